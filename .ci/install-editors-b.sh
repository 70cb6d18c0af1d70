#!/bin/bash
# Installs what the Emacs and VS Code tests (editors/emacs, editors/vscode) need, on Debian 12 as root.
# Safe to run again: each step is skipped when its result is already there.
#
#   Emacs 28.2 + eglot 1.9 + lsp-mode 8 + company   (Debian bookworm packages)
#   lsp-mode 10 sources (for lsp-inline-completion)  (Debian sid's arch-all elpa packages, unpacked
#                                                     into $CACHE/elpa-sid, the system untouched)
#   Chromium, and what code-server's native modules need to build
#   editors/vscode/node_modules                      (npm ci: vscode-languageclient, vsce, esbuild, tsc)
#   code-server 4.100.3 (= VS Code 1.100.3) + playwright-core in $CACHE/vscode-test
#
# The tests find $CACHE through INKLING_EDITORS_B (default /opt/inkling-editors-b).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${INKLING_EDITORS_B:-/opt/inkling-editors-b}
export DEBIAN_FRONTEND=noninteractive
APT_LOCK="-o DPkg::Lock::Timeout=600"
t0=$(date +%s)
step() { echo "== install-editors-b [$(( $(date +%s) - t0 ))s] $*"; }

# 1. Debian packages.
PKGS="emacs-nox elpa-eglot elpa-lsp-mode elpa-company chromium ripgrep build-essential python3
      pkg-config libkrb5-dev libxkbfile-dev libsecret-1-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
# Emacs 29+ has eglot built in, and installing a newer Emacs removes elpa-eglot: don't ask for it then.
if command -v emacs >/dev/null && emacs --batch --eval '(kill-emacs (if (>= emacs-major-version 29) 0 1))' 2>/dev/null; then
	missing=${missing/ elpa-eglot/}
fi
if [ -n "$missing" ]; then
	step "apt-get install$missing"
	apt-get $APT_LOCK update -q
	# Retried: other installers running at the same time can race on apt's download cache.
	for i in 1 2 3; do
		apt-get $APT_LOCK install -y -q --no-install-recommends $missing && break
		[ $i = 3 ] && exit 1
		sleep 5
	done
fi

# 2. lsp-mode 10 (and the newer f, dash, company it needs) from sid, unpacked only.
if [ ! -f "$CACHE/elpa-sid/.done" ]; then
	step "lsp-mode 10 sources from Debian sid"
	W=$CACHE/aptsid
	rm -rf "$W" "$CACHE/elpa-sid"
	mkdir -p "$W/lists/partial" "$W/debs/partial" "$CACHE/elpa-sid"
	mirror=$(grep -hoE 'https?://deb\.debian\.org/debian/?' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null | head -1 || true)
	echo "deb ${mirror:-http://deb.debian.org/debian} sid main" >"$W/sources.list"
	A="-o Dir::Etc::sourcelist=$W/sources.list -o Dir::Etc::sourceparts=/nonexistent -o Dir::State::Lists=$W/lists -o Dir::Cache::archives=$W/debs -o Debug::NoLocking=1"
	apt-get $A update -q
	(cd "$W/debs" && apt-get $A download elpa-lsp-mode elpa-f elpa-dash elpa-company)
	for d in "$W"/debs/*.deb; do dpkg-deb -x "$d" "$CACHE/elpa-sid"; done
	rm -rf "$W"
	touch "$CACHE/elpa-sid/.done"
fi

# 3. The extension's own build tools, in the checkout (node_modules is ignored by git).
if [ ! -d "$ROOT/editors/vscode/node_modules/vscode-languageclient" ] ||
	! cmp -s "$ROOT/editors/vscode/package-lock.json" "$ROOT/editors/vscode/node_modules/.package-lock.json.copy"; then
	step "npm ci in editors/vscode"
	(cd "$ROOT/editors/vscode" && npm ci --no-audit --no-fund)
	cp "$ROOT/editors/vscode/package-lock.json" "$ROOT/editors/vscode/node_modules/.package-lock.json.copy"
fi

# 4. code-server + playwright-core, kept outside the checkout (about 300 MB, a minute to build).
#    code-server's postinstall downloads ripgrep from GitHub, which is unreachable here, so its steps
#    are done by hand: install with --ignore-scripts, seed @vscode/ripgrep with Debian's rg, rebuild.
VT=$CACHE/vscode-test
if ! cmp -s "$ROOT/editors/vscode/test/package-lock.json" "$VT/.installed-lock.json"; then
	step "code-server + playwright-core into $VT"
	rm -rf "$VT"
	mkdir -p "$VT"
	cp "$ROOT/editors/vscode/test/package.json" "$ROOT/editors/vscode/test/package-lock.json" "$VT/"
	export npm_config_unsafe_perm=true npm_config_yes=true
	(
		cd "$VT"
		npm ci --no-audit --no-fund --ignore-scripts
		npm rebuild argon2 # no prebuilt download here: builds from source
		cd node_modules/code-server/lib/vscode
		npm install --no-audit --no-fund --omit=dev --ignore-scripts
		mkdir -p node_modules/@vscode/ripgrep/bin
		ln -sf /usr/bin/rg node_modules/@vscode/ripgrep/bin/rg
		npm rebuild
		ln -sfn node_modules node_modules.asar
		(cd bin/remote-cli && ln -sf code-linux.sh code-server)
		(cd bin/helpers && ln -sf browser-linux.sh browser.sh)
		cd extensions && npm install --no-audit --no-fund --omit=dev --ignore-scripts && npm rebuild
	)
	cp "$ROOT/editors/vscode/test/package-lock.json" "$VT/.installed-lock.json"
fi
step "done: emacs $(emacs --version | head -1 | awk '{print $3}'), $(chromium --version 2>/dev/null | head -1), code-server $(node -p "require('$VT/node_modules/code-server/package.json').version")"
