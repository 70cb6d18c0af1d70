#!/bin/bash
# Installs what the Neovim and Helix editor tests (editors/nvim, editors/helix) need on a
# fresh Debian 12 machine, as root:
#   - Neovim 0.7.2 and tmux from bookworm (apt-get);
#   - Neovim 0.12.x and Helix (hx) 25.07.x from Debian sid, unpacked with dpkg -x into
#     $INKLING_SID_ROOT (default /opt/inkling-sid) and patched with patchelf to use sid's
#     own glibc from that folder. Nothing of sid touches the system: the sid package lists
#     live in a private apt state folder and /etc/apt is not changed.
# The tests find the sid editors at $INKLING_SID_ROOT/usr/bin/{nvim,hx}.
# Safe to run again: finished steps are skipped.
set -euo pipefail

R=${INKLING_SID_ROOT:-/opt/inkling-sid}
W=${INKLING_SID_APT:-/var/cache/inkling-sid-apt}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

export DEBIAN_FRONTEND=noninteractive
need=()
for p in neovim tmux patchelf; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
# Other jobs may hold apt's locks (several installers can run at once): wait for them,
# but fail at once on any other error.
apt() {
	local i out
	for i in $(seq 1 120); do
		if out=$(apt-get "$@" 2>&1); then
			echo "$out" | tail -3
			return 0
		fi
		if ! grep -q 'Could not get lock' <<<"$out"; then
			echo "$out" >&2
			return 1
		fi
		sleep 5
	done
	echo "$out" >&2
	return 1
}
if ((${#need[@]})); then
	apt update -q
	apt install -y -q --no-install-recommends "${need[@]}"
fi

if [[ -x $R/usr/bin/nvim && -x $R/usr/bin/hx ]] && "$R/usr/bin/nvim" --version >/dev/null 2>&1 &&
	"$R/usr/bin/hx" --version >/dev/null 2>&1; then
	echo "sid editors already in $R"
else
	mkdir -p "$W/lists/partial" "$W/debs" "$R"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR sid main" >"$W/sources.list"
	A=(-o "Dir::Etc::sourcelist=$W/sources.list" -o Dir::Etc::sourceparts=/nonexistent
		-o "Dir::State::Lists=$W/lists" -o "Dir::Cache::archives=$W/debs" -o Debug::NoLocking=1)
	apt "${A[@]}" update -q
	cd "$W/debs"
	rm -f ./*.deb # a re-run after sid moved on must not unpack two versions
	# neovim's and hx's Depends, plus sid's libc6 and libgcc-s1 for the private loader.
	apt "${A[@]}" download neovim neovim-runtime libluajit-5.1-2 libtree-sitter0.26 \
		libunibilium4 libutf8proc3 libuv1t64 lua-lpeg lua-luv libc6 libc-gconv-modules-extra \
		libgcc-s1 hx
	for d in *.deb; do dpkg -x "$d" "$R"; done
	for b in nvim hx; do
		# --force-rpath (DT_RPATH) so that transitive libraries come from sid too.
		patchelf --set-interpreter "$R/usr/lib64/ld-linux-x86-64.so.2" --force-rpath \
			--set-rpath "$R/usr/lib/x86_64-linux-gnu" "$R/usr/bin/$b"
	done
fi
nvim --version | head -1
"$R/usr/bin/nvim" --version | head -1
"$R/usr/bin/hx" --version
