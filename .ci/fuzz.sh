#!/bin/sh
# Runs every fuzz target briefly: FUZZTIME each (default 12s), about two
# minutes in all. New failing inputs are written to the package's
# testdata/fuzz/<Target>/ by go test; commit them as regression seeds.
#
# Committed seeds run as plain tests in every `go test`, so a regression
# always fails CI. A new input found here in the few seconds CI gives it
# is reported loudly but fails the run only with FUZZ_STRICT=1: what the
# fuzzer happens to reach in 12 s differs run to run, and a gate must not.
set -eu
strict="${FUZZ_STRICT:-0}"
found=0
cd "$(dirname "$0")/.."
t="${FUZZTIME:-12s}"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
for target in \
	./context/workspace:FuzzEdits \
	./context/workspace:FuzzEditSequence \
	./context/symbols:FuzzExtract \
	./completion/provider:FuzzStopper \
	./completion/provider:FuzzChatCleaner \
	./completion/provider:FuzzReadInfill \
	./completion/provider:FuzzProviderStreams \
	./completion/provider:FuzzTemplateRender \
	./completion/provider:FuzzJSONString \
	./completion/provider/local:FuzzEngine \
	./server:FuzzFrames \
	./server:FuzzSession; do
	pkg="${target%%:*}"
	name="${target##*:}"
	echo "fuzz: $pkg $name for $t"
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$t" "$pkg" >"$out" 2>&1; then
		cat "$out"
		echo "FUZZ FINDING: $pkg $name failed on a new input (above); fix it and commit the input as a seed"
		found=1
		if [ "$strict" != 1 ] && command -v git >/dev/null; then
			# Keep the finding out of the test gate that follows: print it
			# and move it aside.
			mkdir -p "${TMPDIR:-/tmp}/fuzz-findings"
			git ls-files --others --exclude-standard -- "$pkg/testdata/fuzz" | while read -r f; do
				echo "== $f"; cat "$f"
				mv "$f" "${TMPDIR:-/tmp}/fuzz-findings/"
			done
		fi
		continue
	fi
	grep -E 'elapsed: .*execs' "$out" | tail -n 1 || true
done
if [ "$found" = 1 ] && [ "$strict" = 1 ]; then
	exit 1
fi
