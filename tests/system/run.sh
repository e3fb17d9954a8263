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
#   order "A" "B"                a line with B comes after the first line with A
#   forbid "TEXT"                no serial line contains TEXT
PARSE_ERROR=""
parse_scenario() {
	local file=$1 line n=0 in_config=0
	ENGINE=bochs TIMEOUT=$DEFAULT_TIMEOUT MEMORY=512 DONE="" CONFIG="" CHECKS=() PARTITIONS=() ABORT="-"
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
		engine | timeout | memory | done | abort | log | logre | forbid) want=1 ;;
		expect | exited | stopped | order) want=2 ;;
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

# judge: runs CHECKS over $CLEAN; sets MISMATCH to the first failing check.
judge() {
	local c kind a b n
	local -A pos=()
	MISMATCH=""
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
		forbid)
			n=$(find_line "$a" 0)
			[[ -z $n ]] || {
				MISMATCH="forbidden text \"$a\" on serial line $n: $(sed -n "${n}p" "$CLEAN")"
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

write_bochsrc() {
	OVMF_BOCHS=$OVMF_BOCHS VGABIOS=$VGABIOS "$HERE/bochs-machine.sh" "$1" "$1/esp.img" "$MEMORY" tests/system/run.sh
}

# start_engine ENGINE DIR TIMEOUT: starts the emulator in the background under
# a hard timeout; sets EMU_PID (the pid of `timeout`, which we own).
start_engine() {
	local engine=$1 dir=$2 limit=$3
	: >"$dir/serial.log"
	case $engine in
	bochs)
		write_bochsrc "$dir"
		SDL_VIDEODRIVER=dummy timeout -k 5 "$limit" \
			bochs -q -f "$dir/bochsrc" -rc "$dir/debugger.rc" </dev/null >"$dir/bochs.out" 2>&1 &
		;;
	qemu)
		cp "$OVMF_VARS" "$dir/vars.fd"
		timeout -k 5 "$limit" qemu-system-x86_64 -accel tcg -cpu max -smp 4 -m 256 -nic none \
			-display none -serial "file:$dir/serial.log" -no-reboot \
			-drive "if=pflash,format=raw,readonly=on,file=$OVMF_CODE" \
			-drive "if=pflash,format=raw,file=$dir/vars.fd" \
			-drive "file=fat:rw:$dir/esp,format=raw" \
			-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
			</dev/null >"$dir/qemu.out" 2>&1 &
		;;
	esac
	EMU_PID=$!
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
		TIMED_OUT=0 ABORTED=0
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

	start_engine "$ENGINE" "$dir" "$TIMEOUT"
	wait_engine "$dir" "$DONE" "$ABORT"
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
