#!/bin/sh
# Build newlib's libc for Septum's freestanding core, from Debian's
# newlib-source, with the core's own code-generation flags.
#
# The core is built with -mgeneral-regs-only: no SSE/x87 code may run in VMX
# root mode, because Septum does not save the guests' extended state on a VM
# exit. Newlib's floating-point pieces (strtod, the dtoa family, difftime,
# libm) cannot be compiled that way ("SSE register return with SSE disabled"),
# so they are built with make -k, fail, and are left out; everything the core
# uses (string, ctype, stdio formatting with long long and C99 (%zu) but no
# floating point, strtoul family, errno, reent) is
# archived into libc.a. The result is cached: delete build/newlib to rebuild.
#
# usage: tools/build-newlib.sh OUTDIR
set -eu
out=$(realpath -m "$1")
tarball=$(ls /usr/src/newlib/newlib-*.tar.* 2>/dev/null | head -n 1)
[ -n "$tarball" ] || { echo "build-newlib: no newlib tarball in /usr/src/newlib (apt-get install newlib-source)" >&2; exit 1; }

flags="-O2 -g -ffreestanding -fno-builtin -mno-red-zone -mgeneral-regs-only -fpie -fno-stack-protector -fno-asynchronous-unwind-tables -DMISSING_SYSCALL_NAMES=0"
rm -rf "$out/src" "$out/obj"
mkdir -p "$out/src" "$out/obj"
tar -xf "$tarball" -C "$out/src" --strip-components=1
cd "$out/obj"
"$out/src/configure" --target=x86_64-elf --prefix="$out/install" \
	--disable-multilib --disable-newlib-supplied-syscalls \
	--enable-newlib-io-long-long --enable-newlib-io-c99-formats --disable-newlib-io-float \
	--enable-newlib-reent-small --disable-newlib-fvwrite-in-streamio \
	--disable-nls \
	CC_FOR_TARGET=gcc AR_FOR_TARGET=ar AS_FOR_TARGET=as LD_FOR_TARGET=ld \
	RANLIB_FOR_TARGET=ranlib NM_FOR_TARGET=nm OBJDUMP_FOR_TARGET=objdump \
	CFLAGS_FOR_TARGET="$flags" >configure.log 2>&1 || { tail -20 configure.log >&2; exit 1; }
# -k: the float-only objects fail by design (see above); the rest builds.
make -k -j"$(nproc)" all-target-newlib >build.log 2>&1 || true
lib=x86_64-elf/newlib/libc
objs=$(find "$lib" -name 'lib_a-*.o' -not -path '*/machine/*' | sort)
mobjs=$(find "$lib/machine" -name 'lib_a-*.o' 2>/dev/null | sort)
[ -n "$objs" ] || { echo "build-newlib: nothing was built; see $out/obj/build.log" >&2; exit 1; }
# machine/x86_64 provides assembler memcpy/memset/setjmp: they replace the
# generic C versions, so drop the generic ones of the same name.
for m in $mobjs; do
	b=$(basename "$m"); objs=$(printf '%s\n' $objs | grep -v "/$b\$" || true)
done
rm -f "$out/libc.a"
ar rcs "$out/libc.a" $objs $mobjs
mkdir -p "$out/include"
cp -r "$out/src/newlib/libc/include/." "$out/include/"
cp "x86_64-elf/newlib/newlib.h" "x86_64-elf/newlib/_newlib_version.h" "$out/include/" 2>/dev/null || \
	cp x86_64-elf/newlib/targ-include/newlib.h x86_64-elf/newlib/targ-include/_newlib_version.h "$out/include/"
echo "build-newlib: $(ar t "$out/libc.a" | wc -l) objects in $out/libc.a"
