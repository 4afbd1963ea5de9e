#!/bin/sh
# Install pintu on a Raspberry Pi (Raspberry Pi OS / Debian), from an unpacked or cloned source tree:
#
#   sudo ./scripts/install.sh
#
# Idempotent: run it again after `git pull` to upgrade; it changes only what differs and says so.
# Never overwrites /etc/pintu/pintu.yaml. Undo with scripts/uninstall.sh (also copied to /opt/pintu/scripts).
#
# Options:
#   --prefix DIR     install under DIR instead of / (a staging root for tests/packaging; implies
#                    --no-systemctl; the user is written to DIR/etc/passwd and DIR/etc/group, no useradd)
#   --no-systemctl   do not call systemctl/udevadm (no daemon-reload, enable, start, udev reload)
#   --no-npm         do not run npm ci / npm run build / npm prune (dist/ and node_modules/ must exist); either way
#                    only production dependencies are installed (package-lock.json tells them from devDependencies)
#   -h, --help       this help
# Environment: PINTU_NODE=/path/to/node overrides the Node.js found on PATH.
#              PINTU_TEST_SYSTEMCTL=/path/to/fake runs the systemctl steps with that command, even with --prefix
#              (tests; udevadm is not called under a prefix).
#              PINTU_TEST_PYTHON=/path/to/fake is asked instead of /usr/bin/python3 whether libgpiod's Python
#              bindings can be imported (tests).
set -eu
umask 022

APP_NAME=pintu
USER_NAME=pintu
USER_GROUPS="gpio dialout"
# What goes to /opt/pintu (missing optional items are skipped).
APP_ITEMS="dist node_modules package.json package-lock.json config systemd udev hardware scripts docs"

usage() { awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; }
die() { printf 'pintu install: error: %s\n' "$*" >&2; exit 1; }
CHANGES=0
changed() { CHANGES=$((CHANGES + 1)); printf '  changed  %s\n' "$*"; }
kept() { printf '  ok       %s\n' "$*"; }
note() { printf '  note     %s\n' "$*"; }

PREFIX=/
SYSTEMCTL=yes
NPM=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a directory"; PREFIX=$2; shift 2 ;;
    --prefix=*) PREFIX=${1#--prefix=}; shift ;;
    --no-systemctl) SYSTEMCTL=no; shift ;;
    --no-npm) NPM=no; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done

case "$PREFIX" in /*) ;; *) die "--prefix must be an absolute path, got: $PREFIX" ;; esac
# R is prepended to every path written; empty for a real install.
R=${PREFIX%/}
while [ "${R%/}" != "$R" ]; do R=${R%/}; done
SYSTEMCTL_CMD=${PINTU_TEST_SYSTEMCTL:-systemctl}
if [ -n "$R" ]; then
  [ -n "${PINTU_TEST_SYSTEMCTL:-}" ] || SYSTEMCTL=no
  mkdir -p "$R"
  R=$(cd "$R" && pwd -P)
elif [ "$(id -u)" -ne 0 ]; then
  die "run as root: sudo $0"
fi
SRC=$(cd "$(dirname "$0")/.." && pwd -P)
IS_ROOT=no; [ "$(id -u)" -eq 0 ] && IS_ROOT=yes
show() { printf '%s' "${1#"$R"}"; }

echo "pintu install: from $SRC to ${R:-/}"

# ---------------------------------------------------------------- Node.js >= 20
NODE=${PINTU_NODE:-$(command -v node || true)}
[ -n "$NODE" ] && [ -x "$NODE" ] || NODE=""
NODE_VERSION=""
[ -n "$NODE" ] && NODE_VERSION=$("$NODE" -v 2>/dev/null || true)
NODE_MAJOR=$(printf '%s' "$NODE_VERSION" | sed -n 's/^v\([0-9][0-9]*\)\..*/\1/p')
if [ -z "$NODE_MAJOR" ] || [ "$NODE_MAJOR" -lt 20 ]; then
  {
    if [ -z "$NODE" ]; then echo "pintu install: error: Node.js not found. pintu needs Node.js 20 or newer."
    else echo "pintu install: error: pintu needs Node.js 20 or newer; $NODE is ${NODE_VERSION:-of unknown version}."; fi
    echo "  Raspberry Pi OS / Debian Bookworm's apt only has Node.js 18. Get 20 (or newer) one of these ways:"
    echo "   - NodeSource:  curl -fsSL https://deb.nodesource.com/setup_20.x | sudo -E bash -"
    echo "                  sudo apt-get install -y nodejs"
    echo "   - Raspberry Pi OS / Debian Trixie (13): sudo apt-get install -y nodejs npm   (Node.js 20)"
    echo "  then run this installer again."
  } >&2
  exit 1
fi
case "$NODE" in /*) ;; *) die "PINTU_NODE must be an absolute path" ;; esac
kept "Node.js $NODE_VERSION at $NODE"
case "$NODE" in /home/*|/root/*|/run/user/*)
  note "$NODE is under a home directory, which the service cannot see (ProtectHome=yes): install Node.js system-wide" ;;
esac

# ---------------------------------------------------------------- build
if [ "$NPM" = yes ]; then
  command -v npm >/dev/null 2>&1 || die "npm not found (install the npm package, or use --no-npm with a built tree)"
  # better-sqlite3, onoff's epoll and unix-dgram compile from source (no prebuilt binaries are downloaded).
  missing=""
  for tool in make g++ python3; do command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"; done
  if [ -n "$missing" ]; then
    if [ -z "$R" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "pintu install: installing build tools for the native modules (missing:$missing) ..."
      apt-get install -y -qq build-essential python3 >/dev/null || die "apt-get install build-essential python3 failed"
    else
      die "build tools missing:$missing (sudo apt-get install build-essential python3)"
    fi
  fi
  echo "pintu install: npm ci && npm run build (this takes a few minutes on a Pi) ..."
  (cd "$SRC" && npm ci --no-audit --no-fund && npm run build) || die "build failed (see npm output above)"
fi
[ -f "$SRC/dist/src/cli/index.js" ] || die "$SRC/dist/src/cli/index.js is missing: build first (npm ci && npm run build)"
[ -d "$SRC/node_modules" ] || die "$SRC/node_modules is missing: run npm ci first"

# ---------------------------------------------------------------- helpers
mode_of() { stat -c '%a' "$1"; }
owner_of() { stat -c '%u:%g' "$1"; }
CHOWN_NOTED=no
set_owner() { # OWNER(uid:gid) PATH...
  if [ "$IS_ROOT" = yes ]; then chown "$@"
  elif [ "$CHOWN_NOTED" = no ]; then CHOWN_NOTED=yes; note "not root: file owners are left as they are"; fi
}
# Make PATH have MODE and OWNER; report if something had to change.
fix_meta() { # PATH MODE OWNER
  if [ "$(mode_of "$1")" != "$2" ]; then chmod "$2" "$1"; changed "mode $2 on $(show "$1")"; fi
  if [ "$IS_ROOT" = yes ] && [ "$(owner_of "$1")" != "$3" ]; then chown "$3" "$1"; changed "owner $3 on $(show "$1")"; fi
}
ensure_dir() { # PATH MODE OWNER
  if [ -d "$1" ]; then kept "$(show "$1")/"
  else mkdir -p "$1"; chmod "$2" "$1"; set_owner "$3" "$1"; changed "created $(show "$1")/"; fi
  fix_meta "$1" "$2" "$3"
}
# Copy SRC to DEST (atomically, via a temp file) unless identical; returns 0 if it changed.
# System directories (/usr/local/bin, /etc/systemd/system ...): create if missing, never touch existing ones.
ensure_sys_dir() { # PATH
  if [ -d "$1" ]; then kept "$(show "$1")/"
  else mkdir -p "$1"; chmod 755 "$1"; set_owner 0:0 "$1"; changed "created $(show "$1")/"; fi
}
install_file() { # SRC DEST MODE OWNER
  if [ -f "$2" ] && cmp -s "$1" "$2"; then
    kept "$(show "$2")"
    fix_meta "$2" "$3" "$4"
    return 1
  fi
  mkdir -p "$(dirname "$2")"
  cp "$1" "$2.pintu-new"
  chmod "$3" "$2.pintu-new"
  set_owner "$4" "$2.pintu-new"
  mv -f "$2.pintu-new" "$2"
  changed "installed $(show "$2")"
  return 0
}

TMP=$(mktemp -d)
STAGE=""
cleanup() { rm -rf "$TMP"; [ -z "$STAGE" ] || rm -rf "$STAGE"; }
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---------------------------------------------------------------- user and groups
# First free id in 999..100 (Debian's system range, allocated downwards) of a passwd/group file.
free_id() { awk -F: '{ used[$3] = 1 } END { for (i = 999; i >= 100; i--) if (!(i in used)) { print i; exit } }' "$1"; }
file_gid() { awk -F: -v n="$1" '$1 == n { print $3; exit }' "$R/etc/group"; }
file_uid() { awk -F: -v n="$1" '$1 == n { print $3; exit }' "$R/etc/passwd"; }

if [ -z "$R" ]; then
  for g in $USER_GROUPS "$USER_NAME"; do
    if getent group "$g" >/dev/null; then kept "group $g"
    else groupadd --system "$g"; changed "created group $g"; fi
  done
  if id "$USER_NAME" >/dev/null 2>&1; then
    kept "user $USER_NAME"
    for g in $USER_GROUPS; do
      if id -nG "$USER_NAME" | tr ' ' '\n' | grep -qx "$g"; then :
      else usermod -a -G "$g" "$USER_NAME"; changed "added user $USER_NAME to group $g"; fi
    done
  else
    useradd --system --gid "$USER_NAME" --groups "$(echo "$USER_GROUPS" | tr ' ' ',')" \
      --home-dir /var/lib/pintu --no-create-home --shell /usr/sbin/nologin --comment "pintu door controller" "$USER_NAME"
    changed "created system user $USER_NAME (groups: $USER_GROUPS)"
  fi
  PINTU_UID=$(id -u "$USER_NAME")
  PINTU_GID=$(getent group "$USER_NAME" | cut -d: -f3)
else
  note "prefix install: user and groups go to $R/etc/passwd and $R/etc/group (useradd is not called)"
  mkdir -p "$R/etc"
  for f in passwd group; do
    [ -f "$R/etc/$f" ] || { : > "$R/etc/$f"; chmod 644 "$R/etc/$f"; changed "created $(show "$R/etc/$f")"; }
  done
  for g in $USER_GROUPS "$USER_NAME"; do
    if [ -n "$(file_gid "$g")" ]; then kept "group $g"
    else echo "$g:x:$(free_id "$R/etc/group"):" >> "$R/etc/group"; changed "created group $g"; fi
  done
  PINTU_GID=$(file_gid "$USER_NAME")
  if [ -n "$(file_uid "$USER_NAME")" ]; then kept "user $USER_NAME"
  else
    echo "$USER_NAME:x:$(free_id "$R/etc/passwd"):$PINTU_GID:pintu door controller:/var/lib/pintu:/usr/sbin/nologin" >> "$R/etc/passwd"
    changed "created system user $USER_NAME"
  fi
  PINTU_UID=$(file_uid "$USER_NAME")
  for g in $USER_GROUPS; do
    awk -F: -v OFS=: -v g="$g" -v u="$USER_NAME" '
      $1 == g { n = split($4, m, ","); hit = 0; for (i = 1; i <= n; i++) if (m[i] == u) hit = 1
                if (!hit) $4 = ($4 == "" ? u : $4 "," u) }
      { print }' "$R/etc/group" > "$TMP/group"
    if cmp -s "$TMP/group" "$R/etc/group"; then :
    else cat "$TMP/group" > "$R/etc/group"; changed "added user $USER_NAME to group $g"; fi
  done
fi
ROOT_PINTU="0:$PINTU_GID"
PINTU_PINTU="$PINTU_UID:$PINTU_GID"

# ---------------------------------------------------------------- the application: /opt/pintu
APP="$R/opt/$APP_NAME"
mkdir -p "$R/opt"
STAGE=$(mktemp -d "$R/opt/.pintu-stage.XXXXXX")
for item in $APP_ITEMS; do
  [ "$item" = node_modules ] && continue
  if [ -e "$SRC/$item" ]; then cp -R -P "$SRC/$item" "$STAGE/"; fi
done
# Production dependencies only, with or without npm: the packages package-lock.json does not mark "dev" (what
# `npm prune --omit=dev` keeps) and their .bin links. Copying node_modules whole put the devDependencies (TypeScript,
# vitest, ...: about half of it) into /opt/pintu.
"$NODE" "$SRC/scripts/prod-modules.mjs" "$SRC" "$STAGE" || die "cannot copy the production dependencies (see above)"
if [ "$NPM" = yes ]; then
  (cd "$STAGE" && npm prune --omit=dev --no-audit --no-fund >/dev/null) || die "npm prune --omit=dev failed"
fi
chmod -R u+rwX,go+rX,go-w "$STAGE"
chmod 755 "$STAGE"
if [ "$IS_ROOT" = yes ]; then chown -R 0:0 "$STAGE"; fi
APP_CHANGED=no
if [ -d "$APP" ] && diff -rq --no-dereference "$APP" "$STAGE" >/dev/null 2>&1; then
  kept "$(show "$APP")/ (same files)"
else
  if [ -d "$APP" ]; then mv "$APP" "$STAGE.old"; fi
  mv "$STAGE" "$APP"
  rm -rf "$STAGE.old"
  APP_CHANGED=yes
  changed "installed the application in $(show "$APP")/"
fi

# ---------------------------------------------------------------- CLI wrapper: /usr/local/bin/pintu
# exec keeps node as the service's main PID (NotifyAccess=main).
ensure_sys_dir "$R/usr/local/bin"
cat > "$TMP/wrapper" <<EOF
#!/bin/sh
# pintu command-line tool and daemon, written by pintu's scripts/install.sh: re-run it if Node.js moves.
exec $NODE /opt/$APP_NAME/dist/src/cli/index.js "\$@"
EOF
install_file "$TMP/wrapper" "$R/usr/local/bin/pintu" 755 0:0 && APP_CHANGED=yes

# ---------------------------------------------------------------- GPIO: character device (gpiod) or sysfs (gpio)
# hardware: gpiod drives the door through /dev/gpiochipN with libgpiod's own Python bindings (scripts/pintu-gpiod.py;
# hardware/README.md, "GPIO: character device or sysfs"). On a kernel with the character device a real install gets
# the bindings from apt, and a new config says hardware: gpiod where they import; else gpio (sysfs, old kernels).
PYTHON=${PINTU_TEST_PYTHON:-/usr/bin/python3}
gpiod_binding() { [ -x "$PYTHON" ] && "$PYTHON" -c 'import gpiod' >/dev/null 2>&1; }
if [ -e "$R/dev/gpiochip0" ] && ! gpiod_binding && [ -z "$R" ] && [ "$IS_ROOT" = yes ] && command -v apt-get >/dev/null 2>&1; then
  echo "pintu install: installing libgpiod's Python bindings for the GPIO character device (python3-libgpiod) ..."
  if apt-get install -y -qq python3-libgpiod >/dev/null; then changed "installed python3-libgpiod"
  else note "apt-get install python3-libgpiod failed: a new config uses hardware: gpio (sysfs)"; fi
fi

# ---------------------------------------------------------------- configuration and data
ensure_dir "$R/etc/pintu" 750 "$ROOT_PINTU"
CONFIG="$R/etc/pintu/pintu.yaml"
if [ -e "$CONFIG" ] || [ -L "$CONFIG" ]; then
  kept "$(show "$CONFIG") (existing file kept, never overwritten)"
else
  [ -f "$SRC/config/pintu.example.yaml" ] || die "$SRC/config/pintu.example.yaml is missing"
  if [ -e "$R/dev/gpiochip0" ] && gpiod_binding; then
    sed 's/^hardware: gpio$/hardware: gpiod/' "$SRC/config/pintu.example.yaml" > "$TMP/pintu.yaml"
    install_file "$TMP/pintu.yaml" "$CONFIG" 640 "$ROOT_PINTU" || true
    note "hardware: gpiod (the GPIO character device, /dev/gpiochip0, and python3-libgpiod are there)"
  else
    install_file "$SRC/config/pintu.example.yaml" "$CONFIG" 640 "$ROOT_PINTU" || true
    note "hardware: gpio (sysfs): no /dev/gpiochip0 or no python3-libgpiod (hardware/README.md, \"GPIO: character device or sysfs\")"
  fi
  note "edit $(show "$CONFIG") for this door (site, door.id, readers), then: sudo systemctl restart pintu"
fi
ensure_dir "$R/var/lib/pintu" 750 "$PINTU_PINTU"
# The data-encryption key of visitors' personal fields (privacy.keyFile; docs/privacy.md): outside the data dir, 0600,
# owned by pintu. Never replaced: a key in use changes only by `pintu privacy key rotate`.
KEYFILE="$R/etc/pintu/data.key"
if [ -e "$KEYFILE" ]; then
  kept "$(show "$KEYFILE") (existing key kept, never replaced)"
  fix_meta "$KEYFILE" 600 "$PINTU_PINTU"
else
  (umask 077; {
    echo "# pintu data-encryption key (privacy.keyFile): AES-256, base64, one a line; the first seals, the others only open (key rotation)."
    echo "# Keep mode 0600. Keep a copy apart from the database and its backups: without it their personal fields cannot be read."
    head -c 32 /dev/urandom | base64
  } > "$KEYFILE.pintu-new") || die "cannot write $(show "$KEYFILE")"
  set_owner "$PINTU_PINTU" "$KEYFILE.pintu-new"
  mv -f "$KEYFILE.pintu-new" "$KEYFILE"
  changed "created $(show "$KEYFILE") (the data-encryption key)"
  note "keep a copy of $(show "$KEYFILE") apart from the door and its backups: without it their visitors' personal data cannot be read"
fi
# The badge master keys (badges.keyFile; docs/badges.md): AES-128, key version 1 current; outside the data dir, 0600,
# owned by pintu. Never replaced: versions change only by `pintu badge key rotate|retire`.
BADGEKEYS="$R/etc/pintu/badge.keys"
if [ -e "$BADGEKEYS" ]; then
  kept "$(show "$BADGEKEYS") (existing badge keys kept, never replaced)"
  fix_meta "$BADGEKEYS" 600 "$PINTU_PINTU"
else
  BADGEHEX=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
  [ ${#BADGEHEX} -eq 32 ] || die "cannot read 16 random bytes for $(show "$BADGEKEYS")"
  (umask 077; {
    echo '{'
    echo '  "format": "pintu-badge-keys/1",'
    echo '  "note": "pintu badge master keys (badges.keyFile): keep mode 0600, owner pintu; keep a copy apart from the door and its backups. Change only with pintu badge key rotate|retire.",'
    echo '  "versions": ['
    echo "    { \"version\": 1, \"key\": \"$BADGEHEX\", \"state\": \"current\", \"createdAt\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\" }"
    echo '  ]'
    echo '}'
  } > "$BADGEKEYS.pintu-new") || die "cannot write $(show "$BADGEKEYS")"
  BADGEHEX=
  set_owner "$PINTU_PINTU" "$BADGEKEYS.pintu-new"
  mv -f "$BADGEKEYS.pintu-new" "$BADGEKEYS"
  changed "created $(show "$BADGEKEYS") (the badge master keys)"
  note "keep a copy of $(show "$BADGEKEYS") apart from the door and its backups: badges enrolled with it open nothing without it"
fi

# ---------------------------------------------------------------- systemd units and udev rules
UNITS_CHANGED=no
ensure_sys_dir "$R/etc/systemd/system"
for unit in pintu.service pintu-central.service; do
  install_file "$SRC/systemd/$unit" "$R/etc/systemd/system/$unit" 644 0:0 && UNITS_CHANGED=yes
done
UDEV_CHANGED=no
ensure_sys_dir "$R/etc/udev/rules.d"
install_file "$SRC/udev/99-pintu.rules" "$R/etc/udev/rules.d/99-pintu.rules" 644 0:0 && UDEV_CHANGED=yes

# ---------------------------------------------------------------- PC/SC access where pcscd asks polkit
# Debian Bookworm's pcscd does not use polkit; pcsc-lite >= 2.0.1 builds elsewhere do, and then refuse a
# system user without a login session. Only when pcscd's polkit policy is installed, allow user pintu.
if [ -f "$R/usr/share/polkit-1/actions/org.debian.pcsc-lite.policy" ]; then
  cat > "$TMP/polkit" <<'EOF'
// Installed by pintu's scripts/install.sh: let the pintu service user use the PC/SC desk reader via pcscd.
polkit.addRule(function (action, subject) {
  if ((action.id == "org.debian.pcsc-lite.access_pcsc" || action.id == "org.debian.pcsc-lite.access_card") &&
      subject.user == "pintu") {
    return polkit.Result.YES;
  }
});
EOF
  ensure_sys_dir "$R/etc/polkit-1/rules.d"
  install_file "$TMP/polkit" "$R/etc/polkit-1/rules.d/60-pintu-pcsc.rules" 644 0:0 || true
fi

# ---------------------------------------------------------------- devices named in the config
# A service started on a config whose devices do not exist only raises alarms: install, but do not enable or start
# it, and say what to edit. Checked after the udev rules are reloaded (they create /dev/pintu-reader-in|out).
# Top-level scalar KEY of a YAML file (comments and quotes stripped).
yaml_top() { # KEY FILE
  awk -v k="$1" '{ sub(/^#.*/, ""); sub(/[ \t]+#.*$/, "") } index($0, k ":") == 1 { v = substr($0, length(k) + 2); gsub(/^[ \t]+|[ \t]+$/, "", v); gsub(/^["\047]|["\047]$/, "", v); print v; exit }' "$2"
}
# KEY of the top-level mapping SECTION (one level down).
yaml_in() { # SECTION KEY FILE
  awk -v s="$1" -v k="$2" '{ sub(/^#.*/, ""); sub(/[ \t]+#.*$/, "") }
    /^[^ \t]/ { in_s = (index($0, s ":") == 1); next }
    in_s { l = $0; sub(/^[ \t]+/, "", l); if (index(l, k ":") == 1) { v = substr(l, length(k) + 2); gsub(/^[ \t]+|[ \t]+$/, "", v); gsub(/^["\047]|["\047]$/, "", v); print v; exit } }' "$3"
}
# "id path" of every serial reader in the block list under readers:.
serial_readers() { # FILE
  awk 'function flush() { if (kind == "serial" && path != "") print id, path; id = ""; kind = ""; path = "" }
    { sub(/^#.*/, ""); sub(/[ \t]+#.*$/, "") }
    /^[^ \t-]/ { if (in_r) flush(); in_r = ($0 ~ /^readers:[ \t]*$/); next }
    !in_r { next }
    /^[ \t]*- / { flush(); sub(/- /, "  ") }
    { l = $0; sub(/^[ \t]+/, "", l); key = l; sub(/:.*/, "", key); v = l; sub(/^[^:]*:[ \t]*/, "", v); gsub(/[ \t]+$/, "", v); gsub(/^["\047]|["\047]$/, "", v)
      if (key == "id") id = v; else if (key == "kind") kind = v; else if (key == "path") path = v }
    END { if (in_r) flush() }' "$1"
}
MISSING_DEVICES=""
missing_device() { MISSING_DEVICES="$MISSING_DEVICES
    - $*"; }
if [ -f "$CONFIG" ]; then
  serial_readers "$CONFIG" > "$TMP/readers"
  while read -r rid rpath; do
    if [ -e "$R$rpath" ]; then kept "reader $rid: $rpath exists"
    else missing_device "reader $rid: serial port $rpath does not exist (readers: → id: $rid → path:; or plug the reader in)"; fi
  done < "$TMP/readers"
  if [ "$(yaml_top hardware "$CONFIG")" = gpiod ]; then
    if ls "$R"/dev/gpiochip* >/dev/null 2>&1; then kept "GPIO character device $(cd "$R/dev" && ls -d gpiochip* | head -n 1) (hardware: gpiod)"
    else missing_device "GPIO: no /dev/gpiochip* (hardware: gpiod → is this a Pi? or hardware: gpio for an old kernel, or sim)"; fi
    if gpiod_binding; then kept "libgpiod's Python bindings (python3-libgpiod)"
    else missing_device "GPIO: hardware: gpiod needs libgpiod's Python bindings: sudo apt-get install python3-libgpiod (or hardware: gpio)"; fi
  fi
  if [ "$(yaml_top hardware "$CONFIG")" = gpio ]; then
    SYSFS=$(yaml_in gpio sysfsRoot "$CONFIG"); SYSFS=${SYSFS:-/sys/class/gpio}
    if grep -qsxE 'pinctrl-rp1|pinctrl-bcm2711|pinctrl-bcm2835' "$R$SYSFS"/gpiochip*/label; then kept "GPIO header chip under $SYSFS"
    else missing_device "GPIO: no Raspberry Pi header chip under $SYSFS (hardware: gpio → is this a Pi? gpio: sysfsRoot:; or hardware: sim)"; fi
  fi
fi
if [ -n "$MISSING_DEVICES" ]; then
  note "devices named in $(show "$CONFIG") are missing:$MISSING_DEVICES"
  note "pintu.service is NOT enabled or started. Edit $(show "$CONFIG") (or plug the devices in), check with"
  note "  pintu hw test --config $(show "$CONFIG"), then: sudo systemctl enable --now pintu"
fi

# ---------------------------------------------------------------- systemctl
if [ "$SYSTEMCTL" = yes ]; then
  command -v "$SYSTEMCTL_CMD" >/dev/null 2>&1 || die "systemctl not found (not a systemd system?): use --no-systemctl"
  if [ -z "$R" ] && [ "$UDEV_CHANGED" = yes ] && command -v udevadm >/dev/null 2>&1; then
    udevadm control --reload-rules
    udevadm trigger --action=add --subsystem-match=tty --subsystem-match=gpio
    changed "reloaded udev rules"
  fi
  if [ "$UNITS_CHANGED" = yes ]; then "$SYSTEMCTL_CMD" daemon-reload; changed "systemctl daemon-reload"; fi
  if "$SYSTEMCTL_CMD" is-enabled --quiet pintu.service; then kept "pintu.service enabled"
  elif [ -n "$MISSING_DEVICES" ]; then note "pintu.service left disabled (devices missing, see above)"
  else "$SYSTEMCTL_CMD" enable --quiet pintu.service; changed "enabled pintu.service (starts at boot)"; fi
  if ! "$SYSTEMCTL_CMD" is-active --quiet pintu.service && [ -n "$MISSING_DEVICES" ]; then
    note "pintu.service not started (devices missing, see above)"
  elif "$SYSTEMCTL_CMD" is-active --quiet pintu.service; then
    if [ "$APP_CHANGED" = yes ] || [ "$UNITS_CHANGED" = yes ]; then
      "$SYSTEMCTL_CMD" restart pintu.service || die "pintu failed to restart: journalctl -u pintu -e"
      changed "restarted pintu.service (new version)"
    else kept "pintu.service running"; fi
  else
    if "$SYSTEMCTL_CMD" start pintu.service; then changed "started pintu.service"
    else
      echo "pintu install: installed, but pintu.service failed to start. See: journalctl -u pintu -e" >&2
      echo "  Usually the config: check it with  pintu config check --config /etc/pintu/pintu.yaml" >&2
      exit 1
    fi
  fi
else
  note "systemctl skipped: no daemon-reload/enable/start, no udev reload"
fi

if [ "$CHANGES" -eq 0 ]; then
  echo "pintu install: nothing to change, everything already in place."
else
  echo "pintu install: done, $CHANGES change(s)."
fi
