#!/bin/sh
# Runs every fuzz target briefly: FUZZTIME each (default 12s), about two
# minutes in all. New failing inputs are written to the package's
# testdata/fuzz/<Target>/ by go test; commit them as regression seeds.
set -eu
cd "$(dirname "$0")/.."
t="${FUZZTIME:-12s}"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
for target in \
	./context/workspace:FuzzEdits \
	./context/workspace:FuzzEditSequence \
	./completion/provider:FuzzStopper \
	./completion/provider:FuzzChatCleaner \
	./completion/provider:FuzzReadInfill \
	./completion/provider:FuzzProviderStreams \
	./completion/provider:FuzzTemplateRender \
	./server:FuzzFrames \
	./server:FuzzSession; do
	pkg="${target%%:*}"
	name="${target##*:}"
	echo "fuzz: $pkg $name for $t"
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$t" "$pkg" >"$out" 2>&1; then
		cat "$out"
		exit 1
	fi
	grep -E 'elapsed: .*execs' "$out" | tail -n 1 || true
done
