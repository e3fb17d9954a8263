/* SPDX-License-Identifier: MIT */
/*
 * EFI_MP_SERVICES_PROTOCOL, from the UEFI Platform Initialization (PI)
 * Specification, Volume 2 (DXE Core Interface), section 13.4 "MP Services
 * Protocol". gnu-efi ships no header for it, so the loader declares the
 * subset of types it needs here, in the spec's order and layout.
 *
 * Only GetNumberOfProcessors, GetProcessorInfo and WhoAmI are called; the
 * other members are declared as opaque pointers so the table keeps the
 * spec's member order (a wrong order would silently call the wrong service).
 */
#ifndef SEPTUM_BOOT_MP_H
#define SEPTUM_BOOT_MP_H

#include <efi.h>

/* PI Vol 2, 13.4.1 */
#define EFI_MP_SERVICES_PROTOCOL_GUID \
	{ 0x3fdda605, 0xa76e, 0x4f46, { 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 } }

/* EFI_PROCESSOR_INFORMATION.StatusFlag bits, PI Vol 2, 13.4.4 */
#define PROCESSOR_AS_BSP_BIT        0x00000001u
#define PROCESSOR_ENABLED_BIT       0x00000002u
#define PROCESSOR_HEALTH_STATUS_BIT 0x00000004u

/* Set in ProcessorNumber to ask GetProcessorInfo for ExtendedInformation
 * (PI 1.7+). The loader never sets it. */
#define CPU_V2_EXTENDED_TOPOLOGY    (1u << 24)

/* PI Vol 2, 13.4.4: EFI_CPU_PHYSICAL_LOCATION */
typedef struct {
	UINT32 Package;
	UINT32 Core;
	UINT32 Thread;
} EFI_CPU_PHYSICAL_LOCATION;

/* PI 1.7+: EFI_CPU_PHYSICAL_LOCATION2, behind CPU_V2_EXTENDED_TOPOLOGY */
typedef struct {
	UINT32 Package;
	UINT32 Module;
	UINT32 Tile;
	UINT32 Die;
	UINT32 Core;
	UINT32 Thread;
} EFI_CPU_PHYSICAL_LOCATION2;

typedef union {
	EFI_CPU_PHYSICAL_LOCATION2 Location2;
} EXTENDED_PROCESSOR_INFORMATION;

/*
 * PI Vol 2, 13.4.4: EFI_PROCESSOR_INFORMATION. The ExtendedInformation
 * member was appended in PI 1.7; it is declared so that the buffer handed to
 * firmware is as large as the newest layout, whatever the firmware writes.
 */
typedef struct {
	UINT64                         ProcessorId; /* initial (x2)APIC id */
	UINT32                         StatusFlag;
	EFI_CPU_PHYSICAL_LOCATION      Location;
	EXTENDED_PROCESSOR_INFORMATION ExtendedInformation;
} EFI_PROCESSOR_INFORMATION;

_Static_assert(sizeof(EFI_CPU_PHYSICAL_LOCATION) == 12, "PI Vol 2 13.4.4");
_Static_assert(sizeof(EFI_CPU_PHYSICAL_LOCATION2) == 24, "PI Vol 2 13.4.4");
_Static_assert(__builtin_offsetof(EFI_PROCESSOR_INFORMATION, StatusFlag) == 8, "PI Vol 2 13.4.4");
_Static_assert(__builtin_offsetof(EFI_PROCESSOR_INFORMATION, Location) == 12, "PI Vol 2 13.4.4");
_Static_assert(__builtin_offsetof(EFI_PROCESSOR_INFORMATION, ExtendedInformation) == 24,
	       "PI Vol 2 13.4.4");

struct _EFI_MP_SERVICES_PROTOCOL;

/* PI Vol 2, 13.4.2 */
typedef EFI_STATUS (EFIAPI *EFI_MP_SERVICES_GET_NUMBER_OF_PROCESSORS)(
	struct _EFI_MP_SERVICES_PROTOCOL *This,
	UINTN *NumberOfProcessors,
	UINTN *NumberOfEnabledProcessors);

/* PI Vol 2, 13.4.3 */
typedef EFI_STATUS (EFIAPI *EFI_MP_SERVICES_GET_PROCESSOR_INFO)(
	struct _EFI_MP_SERVICES_PROTOCOL *This,
	UINTN ProcessorNumber,
	EFI_PROCESSOR_INFORMATION *ProcessorInfoBuffer);

/* PI Vol 2, 13.4.9 */
typedef EFI_STATUS (EFIAPI *EFI_MP_SERVICES_WHOAMI)(
	struct _EFI_MP_SERVICES_PROTOCOL *This,
	UINTN *ProcessorNumber);

/* PI Vol 2, 13.4.1: member order is normative. */
typedef struct _EFI_MP_SERVICES_PROTOCOL {
	EFI_MP_SERVICES_GET_NUMBER_OF_PROCESSORS GetNumberOfProcessors;
	EFI_MP_SERVICES_GET_PROCESSOR_INFO       GetProcessorInfo;
	VOID                                    *StartupAllAPs;   /* 13.4.5, unused */
	VOID                                    *StartupThisAP;   /* 13.4.6, unused */
	VOID                                    *SwitchBSP;       /* 13.4.7, unused */
	VOID                                    *EnableDisableAP; /* 13.4.8, unused */
	EFI_MP_SERVICES_WHOAMI                   WhoAmI;
} EFI_MP_SERVICES_PROTOCOL;

_Static_assert(__builtin_offsetof(EFI_MP_SERVICES_PROTOCOL, WhoAmI) == 6 * sizeof(VOID *),
	       "PI Vol 2 13.4.1: WhoAmI is the seventh member");

#endif /* SEPTUM_BOOT_MP_H */
