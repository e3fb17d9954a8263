/* SPDX-License-Identifier: MIT */
/*
 * CPU enumeration before ExitBootServices. EFI_MP_SERVICES_PROTOCOL (PI Vol
 * 2, 13.4) is the firmware's own list of the processors it brought up; it
 * is gone after ExitBootServices, so this is the only moment to ask. Under
 * Bochs + OVMF there is no ACPI at all, which makes this list the only
 * source there; where a MADT exists the core cross-checks it.
 */
#include "loader.h"
#include "mp.h"

/* CPUID leaf 1: EBX[31:24] initial APIC id, ECX bit 21 x2APIC;
 * leaf 0xB: EDX the x2APIC id (Intel SDM Vol. 2A, CPUID). */
#define CPUID1_ECX_X2APIC (1u << 21)

static void cpuid(UINT32 leaf, UINT32 sub, UINT32 r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

static UINT32 own_apic_id(void)
{
	UINT32 r[4], max;

	cpuid(0, 0, r);
	max = r[0];
	cpuid(1, 0, r);
	if ((r[2] & CPUID1_ECX_X2APIC) && max >= 0xb) {
		UINT32 x[4];

		cpuid(0xb, 0, x);
		return x[3];
	}
	return r[1] >> 24;
}

static UINT32 cpu_flags(UINT32 status)
{
	UINT32 f = 0;

	if (status & PROCESSOR_AS_BSP_BIT)
		f |= BOOT_CPU_BSP;
	if ((status & PROCESSOR_ENABLED_BIT) && (status & PROCESSOR_HEALTH_STATUS_BIT))
		f |= BOOT_CPU_ENABLED;
	return f;
}

static EFI_STATUS cpu_info(EFI_MP_SERVICES_PROTOCOL *mp, UINTN num, struct boot_cpu *out)
{
	EFI_PROCESSOR_INFORMATION info;
	EFI_STATUS st;

	SetMem(&info, sizeof(info), 0);
	st = uefi_call_wrapper(mp->GetProcessorInfo, 3, mp, num, &info);
	if (EFI_ERROR(st))
		return boot_fail(st, L"MP services: GetProcessorInfo(%ld): %r", (UINT64)num, st);
	if (info.ProcessorId > 0xffffffffull)
		return boot_fail(EFI_UNSUPPORTED, L"MP services: processor %ld has APIC id 0x%lx, "
				 L"wider than 32 bits", (UINT64)num, info.ProcessorId);
	out->apic_id = (UINT32)info.ProcessorId;
	out->flags = cpu_flags(info.StatusFlag) | BOOT_CPU_LOCATION;
	/* Location: the firmware's own decomposition of the APIC id (PI Vol
	 * 2, 13.4.4). The core needs it to keep SMT siblings together. */
	out->package = info.Location.Package;
	out->core = info.Location.Core;
	out->thread = info.Location.Thread;
	return EFI_SUCCESS;
}

static EFI_STATUS from_mp(EFI_MP_SERVICES_PROTOCOL *mp, struct boot_info *bi)
{
	UINTN n = 0, enabled = 0, bsp = 0, i;
	EFI_STATUS st;

	st = uefi_call_wrapper(mp->GetNumberOfProcessors, 3, mp, &n, &enabled);
	if (EFI_ERROR(st))
		return boot_fail(st, L"MP services: GetNumberOfProcessors: %r", st);
	if (n == 0)
		return boot_fail(EFI_DEVICE_ERROR, L"MP services report no processors");
	if (n > BOOT_MAX_CPUS)
		return boot_fail(EFI_UNSUPPORTED, L"%ld processors, Septum supports at most %d "
				 L"(BOOT_MAX_CPUS)", (UINT64)n, BOOT_MAX_CPUS);
	st = uefi_call_wrapper(mp->WhoAmI, 2, mp, &bsp);
	if (EFI_ERROR(st))
		return boot_fail(st, L"MP services: WhoAmI: %r", st);
	/* cpus[0] is the CPU running this code, whatever StatusFlag says: it
	 * is the one that enters the core. */
	st = cpu_info(mp, bsp, &bi->cpus[0]);
	if (EFI_ERROR(st))
		return st;
	bi->cpus[0].flags |= BOOT_CPU_BSP | BOOT_CPU_ENABLED;
	bi->ncpus = 1;
	for (i = 0; i < n; i++) {
		if (i == bsp)
			continue;
		st = cpu_info(mp, i, &bi->cpus[bi->ncpus]);
		if (EFI_ERROR(st))
			return st;
		bi->cpus[bi->ncpus].flags &= ~BOOT_CPU_BSP;
		bi->ncpus++;
	}
	return EFI_SUCCESS;
}

EFI_STATUS cpus_enumerate(struct boot_info *bi)
{
	EFI_GUID guid = EFI_MP_SERVICES_PROTOCOL_GUID;
	EFI_MP_SERVICES_PROTOCOL *mp = NULL;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->LocateProtocol, 3, &guid, NULL, (void **)&mp);
	if (!EFI_ERROR(st) && mp)
		return from_mp(mp, bi);
	boot_warn(L"no EFI MP services protocol (%r): assuming one CPU, APIC id from CPUID", st);
	bi->ncpus = 1;
	bi->cpus[0].apic_id = own_apic_id();
	bi->cpus[0].flags = BOOT_CPU_BSP | BOOT_CPU_ENABLED;
	return EFI_SUCCESS;
}
