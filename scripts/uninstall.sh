#!/bin/sh
# Remove pintu: stop and disable the services (the relay is switched off by ExecStopPost), then delete the
# units, the /usr/local/bin/pintu wrapper, the udev rules, the PC/SC polkit rule (if any) and /opt/pintu.
#
#   sudo /opt/pintu/scripts/uninstall.sh            keeps /etc/pintu and /var/lib/pintu (config, database)
#   sudo /opt/pintu/scripts/uninstall.sh --purge    also deletes them and the pintu user and group
#
# Options:
#   --purge          also delete /etc/pintu, /var/lib/pintu, /var/lib/pintu-central and user/group pintu
#   --prefix DIR     remove from under DIR instead of / (implies --no-systemctl), as install.sh --prefix
#   --no-systemctl   do not call systemctl/udevadm
#   -h, --help       this help
# Before --purge: /var/lib/pintu holds the visit log and event chain; archive it if your SOP requires.
set -eu

usage() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; }
die() { printf 'pintu uninstall: error: %s\n' "$*" >&2; exit 1; }
CHANGES=0
changed() { CHANGES=$((CHANGES + 1)); printf '  changed  %s\n' "$*"; }
kept() { printf '  ok       %s\n' "$*"; }

PREFIX=/
SYSTEMCTL=yes
PURGE=no
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; PREFIX=$2; shift 2 ;;
    --prefix=*) PREFIX=${1#--prefix=}; shift ;;
    --no-systemctl) SYSTEMCTL=no; shift ;;
    --purge) PURGE=yes; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done
case "$PREFIX" in /*) ;; *) die "--prefix must be an absolute path, got: $PREFIX" ;; esac
R=${PREFIX%/}
while [ "${R%/}" != "$R" ]; do R=${R%/}; done
if [ -n "$R" ]; then
  SYSTEMCTL=no
  [ -d "$R" ] || die "$R does not exist"
  R=$(cd "$R" && pwd -P)
elif [ "$(id -u)" -ne 0 ]; then
  die "run as root: sudo $0"
fi
show() { printf '%s' "${1#"$R"}"; }
remove() { # PATH...: delete files/trees that exist, report each
  for p in "$@"; do
    if [ -e "$p" ] || [ -L "$p" ]; then rm -rf "$p"; changed "removed $(show "$p")"
    else kept "$(show "$p") already absent"; fi
  done
}

echo "pintu uninstall: from ${R:-/}"

# Stop first: ExecStopPost runs `pintu relay-off`, which needs /opt/pintu and the wrapper still in place.
if [ "$SYSTEMCTL" = yes ]; then
  command -v systemctl >/dev/null 2>&1 || die "systemctl not found: use --no-systemctl"
  for unit in pintu.service pintu-central.service; do
    if [ -e "/etc/systemd/system/$unit" ]; then
      if systemctl is-active --quiet "$unit" || systemctl is-enabled --quiet "$unit"; then
        systemctl disable --now --quiet "$unit" || die "could not stop $unit"
        changed "stopped and disabled $unit"
      fi
    fi
  done
fi

remove "$R/etc/systemd/system/pintu.service" "$R/etc/systemd/system/pintu-central.service" \
  "$R/usr/local/bin/pintu" "$R/etc/udev/rules.d/99-pintu.rules" "$R/opt/pintu"
# The relay record (RuntimeDirectoryPreserve=yes keeps /run/pintu after the stop): gone with the unit that wrote it.
if [ -e "$R/run/pintu" ]; then remove "$R/run/pintu"; fi
# written by install.sh only where pcscd uses polkit
if [ -e "$R/etc/polkit-1/rules.d/60-pintu-pcsc.rules" ]; then remove "$R/etc/polkit-1/rules.d/60-pintu-pcsc.rules"; fi

if [ "$SYSTEMCTL" = yes ]; then
  systemctl daemon-reload
  systemctl reset-failed pintu.service pintu-central.service 2>/dev/null || true
  if command -v udevadm >/dev/null 2>&1; then udevadm control --reload-rules; fi
fi

if [ "$PURGE" = yes ]; then
  remove "$R/etc/pintu" "$R/var/lib/pintu" "$R/var/lib/pintu-central"
  if [ -z "$R" ]; then
    if id pintu >/dev/null 2>&1; then userdel pintu; changed "deleted user pintu"; else kept "user pintu already absent"; fi
    if getent group pintu >/dev/null; then groupdel pintu; changed "deleted group pintu"; else kept "group pintu already absent"; fi
  else
    # prefix install: drop the pintu lines and memberships that install.sh wrote
    TMP=$(mktemp -d)
    trap 'rm -rf "$TMP"' EXIT
    if [ -f "$R/etc/passwd" ]; then
      awk -F: '$1 != "pintu"' "$R/etc/passwd" > "$TMP/passwd"
      if cmp -s "$TMP/passwd" "$R/etc/passwd"; then kept "user pintu already absent"
      else cat "$TMP/passwd" > "$R/etc/passwd"; changed "deleted user pintu"; fi
    fi
    if [ -f "$R/etc/group" ]; then
      awk -F: -v OFS=: '$1 == "pintu" { next }
        { n = split($4, m, ","); out = ""; for (i = 1; i <= n; i++) if (m[i] != "pintu") out = (out == "" ? m[i] : out "," m[i]); $4 = out; print }' \
        "$R/etc/group" > "$TMP/group"
      if cmp -s "$TMP/group" "$R/etc/group"; then kept "group pintu already absent"
      else cat "$TMP/group" > "$R/etc/group"; changed "deleted group pintu"; fi
    fi
  fi
  echo "pintu uninstall: groups gpio and dialout are left in place (other software uses them)."
else
  kept "kept $(show "$R/etc/pintu") and $(show "$R/var/lib/pintu") (configuration and database); --purge deletes them"
fi

echo "pintu uninstall: done, $CHANGES change(s)."
