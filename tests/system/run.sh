#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Septum system tests: boot whole configurations in an emulator and judge
# what the partitions and the hypervisor printed on the serial console.
#
#   tests/system/run.sh [--build DIR] [--engine bochs|qemu] [-j N] [--rejudge] [SCENARIO...]
#
# --rejudge skips the ESP and the emulator and judges the serial.log already
# in the run directory again (for writing scenarios, and for the self-test).
# A SCENARIO is a name under tests/system/scenarios/ (without .scn) or a path
# to a .scn file; none means every scenario of the selected engine(s).
# The format of a scenario is described in docs/testing.md and in the
# comments of parse_scenario below. Per scenario, the run directory
# $BUILD/system/NAME/ keeps septum.cfg, the ESP, serial.log, bochs.log and
# report.txt. Output: one "PASS NAME (Ns)" or "FAIL NAME: reason" line per
# scenario, the failure details, and exactly one final line
# "system: N passed, N failed". Exit status is non-zero if any failed.
#
# Only the serial log is evidence: Bochs' exit status is 1 for power-off,
# triple fault and panic alike (docs/testing.md, EMULATORS.md).

set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
SCEN_DIR="$HERE/scenarios"

BUILD=${BUILD:-build}
ENGINE_FILTER=all
JOBS=2
REJUDGE=0
OVMF_BOCHS=${OVMF_BOCHS:-/usr/share/qemu/OVMF.fd}
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
OVMF_VARS=${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
VGABIOS=${VGABIOS:-/usr/share/vgabios/vgabios.bin}
DEFAULT_TIMEOUT=300
MKESP=${MKESP:-tools/mkesp.sh}   # relative to the repository
GRACE=3          # seconds given to the emulator to end by itself after the done marker

usage() {
	sed -n '4,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	exit 2
}

# ------------------------------------------------------------------ scenario parsing

# split_args STRING: words and "double-quoted strings" into the array ARGS.
# No escapes: a scenario string never needs a double quote.
split_args() {
	local s=$1
	ARGS=()
	while :; do
		s=${s#"${s%%[! $'\t']*}"}
		[[ -z $s || $s == \#* ]] && return 0
		if [[ $s == \"* ]]; then
			s=${s:1}
			[[ $s == *\"* ]] || return 1
			ARGS+=("${s%%\"*}")
			s=${s#*\"}
		else
			ARGS+=("${s%%[ $'\t']*}")
			if [[ $s == *[\ $'\t']* ]]; then s=${s#*[ $'\t']}; else s=""; fi
		fi
	done
}

# parse_scenario FILE: fills ENGINE, TIMEOUT, DONE, CONFIG (text), CHECKS
# (one "kind<TAB>arg1<TAB>arg2" per assertion, in file order) and PARTITIONS.
# Directives (one per line, # starts a comment):
#   engine bochs|qemu            emulator (default bochs)
#   timeout SECONDS              hard limit for the emulator (default 300)
#   done "TEXT"                  stop waiting once a serial line contains TEXT
#                                (default "all partitions ended", qemu: "halted")
#   abort "REGEX"                stop waiting once a line matches REGEX: the run
#                                cannot end well (bochs default: Septum "halted")
#   config ... end               the septum.cfg for this run, verbatim
#   expect NAME "TEXT"           partition NAME prints a line containing TEXT
#                                (a line with "[NAME] " and TEXT after it);
#                                expects of one partition must match in order
#   exited NAME STATUS           NAME ended with that exit status (log + summary)
#   stopped NAME "REASON"        NAME was stopped, reason starting with REASON
#   log "TEXT"                   some serial line contains TEXT
#   logre "REGEX"                some serial line matches the extended REGEX
#   logmax N "REGEX"             at most N serial lines match the extended REGEX
#                                (a bound on what a flooding guest makes Septum log)
#   order "A" "B"                a line with B comes after the first line with A
#   same "REGEX_A" "REGEX_B"     the first ( ) group of the first line matching
#                                REGEX_A equals that of the last line matching
#                                REGEX_B (e.g. free pages after the first and
#                                the last restart: nothing leaked)
#   forbid "TEXT"                no serial line contains TEXT
#   type "AFTER" "BYTES"         once a serial line contains AFTER, send BYTES
#                                to the machine's COM1 (bochs only). Escapes:
#                                \r \n \t \\ and \xHH (Ctrl-A is \x01); no
#                                other backslash. Types go in file order, each
#                                waiting for AFTER on a line after the one that
#                                sent the previous type; one whose AFTER never
#                                comes fails the scenario.
PARSE_ERROR=""
parse_scenario() {
	local file=$1 line n=0 in_config=0
	ENGINE=bochs TIMEOUT=$DEFAULT_TIMEOUT MEMORY=512 DONE="" CONFIG="" CHECKS=() PARTITIONS=() ABORT="-"
	BOCHS_EXTRA=()
	TYPE_AFTER=() TYPE_BYTES=() TYPE_LINE=()
	PARSE_ERROR=""
	local -A ended=()
	while IFS= read -r line || [[ -n $line ]]; do
		n=$((n + 1))
		if ((in_config)); then
			if [[ $line =~ ^end[[:space:]]*$ ]]; then
				in_config=0
				continue
			fi
			CONFIG+="$line"$'\n'
			if [[ $line =~ ^[[:space:]]*\[partition[[:space:]]+([^]]+)\] ]]; then
				PARTITIONS+=("${BASH_REMATCH[1]%% }")
			fi
			continue
		fi
		if ! split_args "$line"; then
			PARSE_ERROR="$file:$n: unterminated string"
			return 1
		fi
		((${#ARGS[@]})) || continue
		local kind=${ARGS[0]} want
		case $kind in
		engine | timeout | memory | done | abort | log | logre | forbid | bochs) want=1 ;;
		expect | exited | stopped | order | type | logmax | same) want=2 ;;
		config) want=0 ;;
		*)
			PARSE_ERROR="$file:$n: unknown directive '$kind'"
			return 1
			;;
		esac
		if ((${#ARGS[@]} != want + 1)); then
			PARSE_ERROR="$file:$n: '$kind' takes $want argument(s)"
			return 1
		fi
		case $kind in
		engine)
			[[ ${ARGS[1]} == bochs || ${ARGS[1]} == qemu ]] || {
				PARSE_ERROR="$file:$n: engine must be bochs or qemu"
				return 1
			}
			ENGINE=${ARGS[1]}
			;;
		memory)
			[[ ${ARGS[1]} =~ ^[0-9]+$ ]] || {
				PARSE_ERROR="$file:$n: memory must be a number of MiB"
				return 1
			}
			MEMORY=${ARGS[1]}
			;;
		timeout)
			[[ ${ARGS[1]} =~ ^[0-9]+$ ]] || {
				PARSE_ERROR="$file:$n: timeout must be a number of seconds"
				return 1
			}
			TIMEOUT=${ARGS[1]}
			;;
		done) DONE=${ARGS[1]} ;;
		abort) ABORT=${ARGS[1]} ;;
		bochs) BOCHS_EXTRA+=("${ARGS[1]}") ;;
		config) in_config=1 ;;
		exited)
			[[ ${ARGS[2]} =~ ^[0-9]+$ ]] || {
				PARSE_ERROR="$file:$n: exit status must be a number"
				return 1
			}
			ended[${ARGS[1]}]=1
			CHECKS+=("$kind"$'\t'"${ARGS[1]}"$'\t'"${ARGS[2]}")
			;;
		stopped)
			ended[${ARGS[1]}]=1
			CHECKS+=("$kind"$'\t'"${ARGS[1]}"$'\t'"${ARGS[2]}")
			;;
		logmax)
			[[ ${ARGS[1]} =~ ^[0-9]+$ ]] || {
				PARSE_ERROR="$file:$n: 'logmax' takes a number of lines, then a REGEX"
				return 1
			}
			CHECKS+=("$kind"$'\t'"${ARGS[1]}"$'\t'"${ARGS[2]}")
			;;
		type)
			[[ -n ${ARGS[1]} && -n ${ARGS[2]} ]] || {
				PARSE_ERROR="$file:$n: 'type' needs a non-empty AFTER and BYTES"
				return 1
			}
			local bad
			bad=$(bad_escape "${ARGS[2]}") || {
				PARSE_ERROR="$file:$n: 'type': bad escape '$bad' in \"${ARGS[2]}\" (\\r \\n \\t \\\\ or \\xHH)"
				return 1
			}
			TYPE_AFTER+=("${ARGS[1]}")
			TYPE_BYTES+=("${ARGS[2]}")
			TYPE_LINE+=("$n")
			;;
		*) CHECKS+=("$kind"$'\t'"${ARGS[1]}"$'\t'"${ARGS[2]:-}") ;;
		esac
	done <"$file"
	if ((in_config)); then
		PARSE_ERROR="$file: 'config' block without 'end'"
		return 1
	fi
	if [[ -z $CONFIG ]]; then
		PARSE_ERROR="$file: no config block"
		return 1
	fi
	# QEMU's COM1 is a file here: nothing could carry the bytes.
	if [[ $ENGINE == qemu ]] && ((${#TYPE_AFTER[@]})); then
		PARSE_ERROR="$file:${TYPE_LINE[0]}: 'type' needs engine bochs (QEMU runs have no console input)"
		return 1
	fi
	# Every partition of a VT-x run must have a stated ending: a scenario
	# that forgets one would pass while that partition hangs.
	if [[ $ENGINE == bochs ]]; then
		local p
		for p in "${PARTITIONS[@]}"; do
			[[ -n ${ended[$p]:-} ]] || {
				PARSE_ERROR="$file: partition '$p' has no 'exited' or 'stopped' line"
				return 1
			}
		done
	fi
	[[ -n $DONE ]] || DONE=$([[ $ENGINE == qemu ]] && echo halted || echo "all partitions ended")
	# Septum ends with "halted" when it cannot run partitions at all.
	[[ $ABORT != - ]] || ABORT=$([[ $ENGINE == qemu ]] && echo "" || echo '\] halted$')
	return 0
}

# bad_escape BYTES: succeeds when every backslash in BYTES starts one of the
# escapes `type` allows (\r \n \t \\ \xHH, exactly the subset that bash's
# printf %b reads the same way); otherwise prints the offending escape and
# fails.
bad_escape() {
	local s=$1
	while [[ $s == *\\* ]]; do
		s=${s#*\\}
		case $s in
		[rnt\\]*) s=${s:1} ;;
		x[0-9a-fA-F][0-9a-fA-F]*) s=${s:3} ;;
		x*)
			printf '\\%s' "${s:0:3}"
			return 1
			;;
		*)
			printf '\\%s' "${s:0:1}"
			return 1
			;;
		esac
	done
	return 0
}

# ------------------------------------------------------------------ judging

# Serial output as plain lines: no CR, no ANSI/VT100 escapes (OVMF paints
# its console with them), no NULs.
clean_serial() {
	tr -d '\000' <"$1" | sed -e 's/\x1b\[[0-9;?=]*[A-Za-z]//g' -e 's/\x1b[()][A-Z0-9]//g' -e 's/\r//g'
}

# The helpers below hand their strings to awk through the environment:
# `awk -v` would interpret backslashes ("\septum\septum.cfg").

# find_output NAME TEXT FROM: number of the first line after line FROM where
# partition NAME printed TEXT: the line has "[NAME] " and TEXT after it.
find_output() {
	TAG="[$1] " PAT="$2" FROM="$3" awk '
		BEGIN { tag = ENVIRON["TAG"]; pat = ENVIRON["PAT"]; from = ENVIRON["FROM"] + 0 }
		NR > from && (i = index($0, tag)) > 0 &&
		index(substr($0, i + length(tag)), pat) > 0 { print NR; exit }' "$CLEAN"
}

# find_line TEXT FROM [WORDEND]: number of the first line after line FROM that
# contains TEXT (and, with WORDEND=1, where TEXT is not followed by a digit
# or letter, so "status 1" does not match "status 10"); empty if none.
find_line() {
	PAT="$1" FROM="$2" WORDEND="${3:-0}" awk '
		BEGIN { pat = ENVIRON["PAT"]; from = ENVIRON["FROM"] + 0; wordend = ENVIRON["WORDEND"] + 0 }
		NR > from {
			s = $0
			while ((i = index(s, pat)) > 0) {
				nxt = substr(s, i + length(pat), 1)
				if (!wordend || nxt !~ /[[:alnum:]]/) { print NR; exit }
				s = substr(s, i + 1)
			}
		}' "$CLEAN"
}

last_line() {
	PAT="$1" awk 'BEGIN { pat = ENVIRON["PAT"] } index($0, pat) { n = NR } END { if (n) print n }' "$CLEAN"
}

# judge_types: the `type` directives against $CLEAN, found the way the live
# run sends them (type_pump): each AFTER on a line after the one that set off
# the previous type. Checked before everything else, because a console input
# that never went out explains the mismatches that follow from it. After a
# live run TYPES_SENT says how many went out (an AFTER that came only as the
# emulator was ending was never polled); --rejudge cannot know (-1).
judge_types() {
	local i n from=0 where
	for i in "${!TYPE_AFTER[@]}"; do
		n=$(find_line "${TYPE_AFTER[i]}" "$from")
		if [[ -z $n ]]; then
			where="no serial line"
			((from)) && where="no serial line after line $from (which set off type $i)"
			MISMATCH="type $((i + 1)) (scenario line ${TYPE_LINE[i]}): $where contains \"${TYPE_AFTER[i]}\", so \"${TYPE_BYTES[i]}\" was never typed"
			return 1
		fi
		if ((TYPES_SENT >= 0 && i >= TYPES_SENT)); then
			MISMATCH="type $((i + 1)) (scenario line ${TYPE_LINE[i]}): \"${TYPE_AFTER[i]}\" came (serial line $n) only as the run ended, so \"${TYPE_BYTES[i]}\" was never typed"
			return 1
		fi
		from=$n
	done
	return 0
}

# judge: runs the types and CHECKS over $CLEAN; sets MISMATCH to the first
# failing check.
judge() {
	local c kind a b n
	local -A pos=()
	MISMATCH=""
	judge_types || return 1
	for c in "${CHECKS[@]}"; do
		IFS=$'\t' read -r kind a b <<<"$c"
		case $kind in
		expect)
			n=$(find_output "$a" "$b" "${pos[$a]:-0}")
			if [[ -z $n ]]; then
				if [[ -n $(find_output "$a" "$b" 0) ]]; then
					MISMATCH="partition $a printed \"$b\" out of order (before line ${pos[$a]})"
				else
					MISMATCH="partition $a never printed \"$b\""
				fi
				return 1
			fi
			pos[$a]=$n
			;;
		exited)
			[[ -n $(find_line "partition $a exited with status $b" 0 1) ]] || {
				MISMATCH="no log line \"partition $a exited with status $b\""
				return 1
			}
			[[ -n $(find_line " $a: exited $b" 0 1) ]] || {
				MISMATCH="summary lacks \"  $a: exited $b\""
				return 1
			}
			;;
		stopped)
			[[ -n $(find_line "partition $a stopped: $b" 0) ]] || {
				MISMATCH="no log line \"partition $a stopped: $b...\""
				return 1
			}
			[[ -n $(find_line " $a: stopped ($b" 0) ]] || {
				MISMATCH="summary lacks \"  $a: stopped ($b...\""
				return 1
			}
			;;
		log)
			[[ -n $(find_line "$a" 0) ]] || {
				MISMATCH="no line contains \"$a\""
				return 1
			}
			;;
		logre)
			grep -qE -- "$a" "$CLEAN" || {
				MISMATCH="no line matches /$a/"
				return 1
			}
			;;
		logmax)
			n=$(grep -cE -- "$b" "$CLEAN" || true)
			((n <= a)) || {
				MISMATCH="logmax: $n lines match /$b/, at most $a allowed (first: $(grep -m1 -E -- "$b" "$CLEAN"))"
				return 1
			}
			;;
		forbid)
			n=$(find_line "$a" 0)
			[[ -z $n ]] || {
				MISMATCH="forbidden text \"$a\" on serial line $n: $(sed -n "${n}p" "$CLEAN")"
				return 1
			}
			;;
		same)
			local la lb va="" vb=""
			la=$(grep -m1 -E -- "$a" "$CLEAN" || true)
			lb=$(grep -E -- "$b" "$CLEAN" | tail -n 1 || true)
			[[ -n $la && $la =~ $a ]] && va=${BASH_REMATCH[1]:-}
			[[ -n $lb && $lb =~ $b ]] && vb=${BASH_REMATCH[1]:-}
			[[ -n $va && -n $vb ]] || {
				MISMATCH="same: no value from /$a/ (\"$va\") or /$b/ (\"$vb\")"
				return 1
			}
			[[ $va == "$vb" ]] || {
				MISMATCH="same: $va from the first line matching /$a/, $vb from the last matching /$b/"
				return 1
			}
			;;
		order)
			n=$(find_line "$a" 0)
			[[ -n $n ]] || {
				MISMATCH="order: no line contains \"$a\""
				return 1
			}
			local last
			last=$(last_line "$b")
			[[ -n $last && $last -gt $n ]] || {
				MISMATCH="order: no line with \"$b\" after line $n (\"$a\")"
				return 1
			}
			;;
		esac
	done
	return 0
}

# ------------------------------------------------------------------ emulators

# write_bochsrc DIR [COM1_PORT]
write_bochsrc() {
	OVMF_BOCHS=$OVMF_BOCHS VGABIOS=$VGABIOS "$HERE/bochs-machine.sh" "$1" "$1/esp.img" "$MEMORY" tests/system/run.sh ${2:+"$2"} || return
	((${#BOCHS_EXTRA[@]} == 0)) || printf '%s\n' "# the scenario's own lines (bochs directive)" "${BOCHS_EXTRA[@]}" >>"$1/bochsrc"
}

# start_feeder DIR LIMIT: the far end of COM1 for a scenario that types
# (com1-feeder.py): it listens on a port the kernel picks, appends what the
# machine sends to DIR/serial.log and sends it what we write to DIR/com1.in.
# Sets FEED_PID, FEED_FD, FEED_PORT; on failure START_ERROR.
start_feeder() {
	local dir=$1 limit=$2 i
	rm -f "$dir/com1.in" "$dir/com1.port"
	mkfifo "$dir/com1.in" || {
		START_ERROR="cannot create the FIFO $dir/com1.in"
		return 1
	}
	# Read-write: opening a FIFO so never blocks, and writing never blocks
	# or fails for want of a reader should the feeder be gone (fifo(7)).
	exec {FEED_FD}<>"$dir/com1.in"
	python3 "$HERE/com1-feeder.py" "$dir/serial.log" "$dir/com1.port" "$dir/com1.in" \
		"$((limit + 30))" </dev/null 2>"$dir/feeder.log" &
	FEED_PID=$!
	for ((i = 0; i < 100; i++)); do
		[[ -s $dir/com1.port ]] && break
		kill -0 "$FEED_PID" 2>/dev/null || break
		sleep 0.1
	done
	FEED_PORT=$(cat "$dir/com1.port" 2>/dev/null)
	if [[ ! $FEED_PORT =~ ^[0-9]+$ ]]; then
		START_ERROR="the COM1 feeder did not start: $(tail -n 1 "$dir/feeder.log")"
		stop_feeder
		return 1
	fi
	return 0
}

# stop_feeder: the feeder ends by itself once Bochs closes COM1; it gets up
# to 5 s to write the last bytes, then it is stopped.
stop_feeder() {
	[[ -n ${FEED_PID:-} ]] || return 0
	local i
	for ((i = 0; i < 50; i++)); do
		kill -0 "$FEED_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill "$FEED_PID" 2>/dev/null
	wait "$FEED_PID" 2>/dev/null
	exec {FEED_FD}>&-
	FEED_PID=""
}

# type_pump POLL: sends, in order, every `type` whose AFTER is on a line of
# the cleaned console POLL after the line that set off the previous one.
# TYPE_NEXT and TYPE_FROM carry the progress between polls; DIR/typed.log
# records what went out when.
type_pump() {
	local n
	while ((TYPE_NEXT < ${#TYPE_AFTER[@]})); do
		n=$(CLEAN=$1 find_line "${TYPE_AFTER[TYPE_NEXT]}" "$TYPE_FROM")
		[[ -n $n ]] || return 0
		printf '%b' "${TYPE_BYTES[TYPE_NEXT]}" >&"$FEED_FD"
		echo "$(date -u +%T) type $((TYPE_NEXT + 1)): serial line $n contains \"${TYPE_AFTER[TYPE_NEXT]}\": sent \"${TYPE_BYTES[TYPE_NEXT]}\"" \
			>>"$TYPE_LOG"
		TYPE_FROM=$n
		TYPE_NEXT=$((TYPE_NEXT + 1))
	done
}

# start_engine ENGINE DIR TIMEOUT: starts the emulator in the background under
# a hard timeout; sets EMU_PID (the pid of `timeout`, which we own). Only a
# scenario with `type` gets the feeder and a COM1 socket; every other keeps
# COM1 in file mode. Fails (START_ERROR) when the feeder does not start.
start_engine() {
	local engine=$1 dir=$2 limit=$3
	: >"$dir/serial.log"
	FEED_PID="" FEED_PORT="" TYPE_NEXT=0 TYPE_FROM=0 TYPE_LOG="$dir/typed.log"
	case $engine in
	bochs)
		if ((${#TYPE_AFTER[@]})); then
			start_feeder "$dir" "$limit" || return 1
		fi
		write_bochsrc "$dir" "$FEED_PORT"
		SDL_VIDEODRIVER=dummy timeout -k 5 "$limit" \
			bochs -q -f "$dir/bochsrc" -rc "$dir/debugger.rc" </dev/null >"$dir/bochs.out" 2>&1 &
		;;
	qemu)
		cp "$OVMF_VARS" "$dir/vars.fd"
		timeout -k 5 "$limit" qemu-system-x86_64 -accel tcg -cpu max -smp 4 -m "$MEMORY" -nic none \
			-display none -serial "file:$dir/serial.log" -no-reboot \
			-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
			-drive "if=pflash,format=raw,file=$dir/vars.fd" \
			-drive "file=fat:rw:$dir/esp,format=raw" \
			-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
			</dev/null >"$dir/qemu.out" 2>&1 &
		;;
	esac
	EMU_PID=$!
	return 0
}

# wait_engine DIR DONE ABORT: returns once the emulator ended, or DONE showed
# up on the serial console (then the emulator gets GRACE seconds to power off
# by itself before we stop it), or a line matched the ABORT regex (same).
# Sets TIMED_OUT=1 when `timeout` had to kill it, ABORTED=1 on ABORT.
wait_engine() {
	local dir=$1 done_text=$2 abort_re=$3 seen=0
	TIMED_OUT=0 DONE_SEEN=0 ABORTED=0
	while kill -0 "$EMU_PID" 2>/dev/null; do
		if ((!seen)); then
			clean_serial "$dir/serial.log" >"$dir/serial.poll"
			[[ -n $FEED_PID ]] && type_pump "$dir/serial.poll"
			if grep -qF -- "$done_text" "$dir/serial.poll"; then
				seen=$SECONDS
				DONE_SEEN=1
			elif [[ -n $abort_re ]] && grep -qE -- "$abort_re" "$dir/serial.poll"; then
				seen=$SECONDS
				ABORTED=1
			fi
		fi
		if ((seen && SECONDS - seen >= GRACE)); then
			kill "$EMU_PID" 2>/dev/null
			break
		fi
		sleep 1
	done
	wait "$EMU_PID" 2>/dev/null
	local rc=$?
	rm -f "$dir/serial.poll"
	((rc == 124 || rc == 137)) && ((!DONE_SEEN)) && TIMED_OUT=1
	clean_serial "$dir/serial.log" | grep -qF -- "$done_text" && DONE_SEEN=1
	return 0
}

# ------------------------------------------------------------------ one scenario

# run_one FILE: writes $BUILD/system/NAME/result ("PASS" or "FAIL: reason")
# and report.txt (details for a failure).
run_one() {
	local file=$1 name dir t0
	name=$(basename "$file" .scn)
	dir="$BUILD_ABS/system/$name"
	((REJUDGE)) || rm -rf "$dir"
	mkdir -p "$dir"
	t0=$SECONDS
	local report="$dir/report.txt"
	: >"$report"
	CLEAN="$dir/serial.clean"

	if ! parse_scenario "$file"; then
		echo "FAIL: bad scenario: $PARSE_ERROR" >"$dir/result"
		return
	fi
	if ((REJUDGE)); then
		[[ -f $dir/serial.log ]] || {
			echo "FAIL: --rejudge: no $dir/serial.log" >"$dir/result"
			return
		}
		TIMED_OUT=0 ABORTED=0 TYPES_SENT=-1
		clean_serial "$dir/serial.log" >"$CLEAN"
		judge_and_report "$name" "$dir" "$t0"
		return
	fi
	printf '%s' "$CONFIG" >"$dir/septum.cfg"

	# The same parser and planner as the core, on the host: a config error
	# is reported in a second instead of after a 30 s boot.
	# septum-check reads one image folder: gather the test guests and the
	# guest-OS images (make images) there.
	mkdir -p "$dir/images"
	ln -sf "$BUILD_ABS"/guests/*.elf "$BUILD_ABS"/guests/*.txt "$dir/images/"
	[[ -d $BUILD_ABS/images ]] && ln -sf "$BUILD_ABS"/images/* "$dir/images/"
	if [[ -x $BUILD_ABS/septum-check ]] &&
		! "$BUILD_ABS/septum-check" --images "$dir/images" "$dir/septum.cfg" \
			>"$dir/septum-check.log" 2>&1; then
		echo "FAIL: config rejected: $(head -n 1 "$dir/septum-check.log")" >"$dir/result"
		cat "$dir/septum-check.log" >"$report"
		return
	fi

	# The ESP: tools/mkesp.sh puts the loader, the core, the config and every
	# image it names into $dir/esp/ and $dir/esp.img.
	if ! (cd "$REPO" && "$MKESP" --config "$dir/septum.cfg" --out "$dir" \
		--efi "$BUILD_ABS/BOOTX64.EFI" --core "$BUILD_ABS/septum.elf" \
		--search "$BUILD_ABS/guests:$BUILD_ABS/images") >"$dir/mkesp.log" 2>&1; then
		echo "FAIL: image build failed: $(tail -n 1 "$dir/mkesp.log")" >"$dir/result"
		cat "$dir/mkesp.log" >"$report"
		return
	fi

	if ! start_engine "$ENGINE" "$dir" "$TIMEOUT"; then
		echo "FAIL: $START_ERROR" >"$dir/result"
		cat "$dir/feeder.log" >"$report" 2>/dev/null
		return
	fi
	wait_engine "$dir" "$DONE" "$ABORT"
	stop_feeder
	TYPES_SENT=$TYPE_NEXT
	clean_serial "$dir/serial.log" >"$CLEAN"
	judge_and_report "$name" "$dir" "$t0"
}

# judge_and_report NAME DIR T0: judges $CLEAN, writes DIR/result and report.txt.
judge_and_report() {
	local name=$1 dir=$2 t0=$3 result report="$2/report.txt"
	local secs=$((SECONDS - t0))
	if judge; then
		result="PASS ($secs s)"
	else
		if ((TIMED_OUT)); then
			result="FAIL: timed out after $TIMEOUT s without \"$DONE\"; first mismatch: $MISMATCH"
		elif ((ABORTED)); then
			result="FAIL: run aborted (a line matched /$ABORT/); first mismatch: $MISMATCH"
		else
			result="FAIL: $MISMATCH"
		fi
		{
			echo "---- $name: first mismatch: $MISMATCH"
			echo "---- $name: last 40 serial lines ($dir/serial.log)"
			tail -n 40 "$CLEAN"
			if [[ ! -s $CLEAN ]]; then
				# Nothing on the console: the emulator itself may have refused
				# to start (missing firmware, bad option).
				echo "---- $name: serial console empty; last lines of the emulator's output"
				tail -n 10 "$dir/$ENGINE.out" 2>/dev/null
			fi
			if [[ $ENGINE == bochs ]]; then
				echo "---- $name: VMFAIL|VMENTER FAIL|PANIC in $dir/bochs.log"
				grep -E 'VMFAIL|VMENTER FAIL|PANIC' "$dir/bochs.log" 2>/dev/null | tail -n 20
			fi
			if ((${#TYPE_AFTER[@]})) && [[ -f $dir/feeder.log ]]; then
				echo "---- $name: console input sent ($dir/typed.log) and the COM1 feeder's log"
				cat "$dir/typed.log" "$dir/feeder.log" 2>/dev/null | tail -n 20
			fi
		} >"$report"
	fi
	echo "$result" >"$dir/result"
}

# ------------------------------------------------------------------ main

report_one() {
	local file=$1 name dir r
	name=$(basename "$file" .scn)
	dir="$BUILD_ABS/system/$name"
	r=$(cat "$dir/result" 2>/dev/null || echo "FAIL: harness died")
	if [[ $r == PASS* ]]; then
		echo "PASS $name ${r#PASS }"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL $name: ${r#FAIL: }"
		cat "$dir/report.txt" 2>/dev/null
		FAILED=$((FAILED + 1))
	fi
}

scenario_engine() {
	local e
	e=$(awk '$1 == "engine" { print $2; exit }' "$1")
	echo "${e:-bochs}"
}

main() {
	local files=() arg
	while (($#)); do
		case $1 in
		--build) BUILD=$2; shift 2 ;;
		--engine) ENGINE_FILTER=$2; shift 2 ;;
		-j) JOBS=$2; shift 2 ;;
		--rejudge) REJUDGE=1; shift ;;
		-h | --help) usage ;;
		-*) usage ;;
		*)
			arg=$1
			[[ -f $arg ]] || arg="$SCEN_DIR/$1.scn"
			[[ -f $arg ]] || { echo "run.sh: no scenario $1" >&2; exit 2; }
			files+=("$arg")
			shift
			;;
		esac
	done
	mkdir -p "$BUILD"
	BUILD_ABS=$(cd "$BUILD" && pwd)
	if ((${#files[@]} == 0)); then
		local f
		for f in "$SCEN_DIR"/*.scn; do
			[[ -f $f ]] || continue
			[[ $ENGINE_FILTER == all || $(scenario_engine "$f") == "$ENGINE_FILTER" ]] && files+=("$f")
		done
	fi

	local missing=()
	for arg in "$BUILD_ABS/septum.elf" "$BUILD_ABS/BOOTX64.EFI" "$MKESP"; do
		(cd "$REPO" && [[ -e $arg ]]) || missing+=("$arg")
	done
	if ((${#missing[@]} && !REJUDGE)); then
		echo "run.sh: missing ${missing[*]} (run make first)" >&2
	fi

	PASSED=0 FAILED=0
	local -A job_file=()
	local running=0 pid t_all=$SECONDS
	for arg in "${files[@]}"; do
		while ((running >= JOBS)); do
			wait -n -p pid
			running=$((running - 1))
			report_one "${job_file[$pid]}"
		done
		run_one "$arg" &
		job_file[$!]=$arg
		running=$((running + 1))
	done
	while ((running > 0)); do
		wait -n -p pid
		running=$((running - 1))
		report_one "${job_file[$pid]}"
	done
	echo "wall time of the system scenarios: $((SECONDS - t_all)) s"
	echo "system: $PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
