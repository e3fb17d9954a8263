/* SPDX-License-Identifier: MIT */
/*
 * ACPI table layouts (ACPI 6.5 §5.2): the host's tables as Septum reads
 * them (arch/x86_64/acpi.c) and the partitions' tables as it writes them
 * (kernel/dev/vacpi.c). Layouts and constants only.
 */
#ifndef HW_ACPI_H
#define HW_ACPI_H

#include <septum/types.h>

/* §5.2.5.3 Root System Description Pointer (RSDP) Structure. */
struct acpi_rsdp {
	char     signature[8];          /*  0 "RSD PTR " */
	uint8_t  checksum;              /*  8 bytes 0..19 sum to 0 */
	char     oem_id[6];             /*  9 */
	uint8_t  revision;              /* 15 0: ACPI 1.0 (20 bytes), 2: ACPI 2.0+ */
	uint32_t rsdt_address;          /* 16 */
	uint32_t length;                /* 20 revision >= 2: whole structure */
	uint64_t xsdt_address;          /* 24 revision >= 2 */
	uint8_t  extended_checksum;     /* 32 bytes 0..length-1 sum to 0 */
	uint8_t  reserved[3];           /* 33 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI 5.2.5.3");
#define ACPI_RSDP_V1_SIZE 20

/* §5.2.6 System Description Table Header. */
struct acpi_sdt_header {
	char     signature[4];          /*  0 */
	uint32_t length;                /*  4 whole table, header included */
	uint8_t  revision;              /*  8 */
	uint8_t  checksum;              /*  9 bytes 0..length-1 sum to 0 */
	char     oem_id[6];             /* 10 */
	char     oem_table_id[8];       /* 16 */
	uint32_t oem_revision;          /* 24 */
	uint32_t creator_id;            /* 28 */
	uint32_t creator_revision;      /* 32 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "ACPI 5.2.6");

/* §5.2.12 Multiple APIC Description Table (MADT). */
struct acpi_madt {
	struct acpi_sdt_header hdr;     /*  0 "APIC" */
	uint32_t lapic_address;         /* 36 */
	uint32_t flags;                 /* 40 bit 0: PCAT_COMPAT */
	/* 44: interrupt controller structures, each starting with type, length */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "ACPI 5.2.12");

struct acpi_madt_entry {
	uint8_t type;                   /*  0 */
	uint8_t length;                 /*  1 whole entry */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_entry) == 2, "ACPI 5.2.12");

#define ACPI_MADT_LAPIC   0
#define ACPI_MADT_IOAPIC  1
#define ACPI_MADT_ISO     2       /* Interrupt Source Override */
#define ACPI_MADT_X2APIC  9

/* §5.2.12.2 Processor Local APIC Structure. */
struct acpi_madt_lapic {
	uint8_t  type;                  /*  0 = 0 */
	uint8_t  length;                /*  1 = 8 */
	uint8_t  uid;                   /*  2 ACPI Processor UID */
	uint8_t  apic_id;               /*  3 */
	uint32_t flags;                 /*  4 ACPI_MADT_CPU_* */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "ACPI 5.2.12.2");

/* §5.2.12.12 Processor Local x2APIC Structure. */
struct acpi_madt_x2apic {
	uint8_t  type;                  /*  0 = 9 */
	uint8_t  length;                /*  1 = 16 */
	uint16_t reserved;              /*  2 */
	uint32_t x2apic_id;             /*  4 */
	uint32_t flags;                 /*  8 ACPI_MADT_CPU_* */
	uint32_t uid;                   /* 12 ACPI Processor UID */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "ACPI 5.2.12.12");

/* §5.2.12.3 I/O APIC Structure. */
struct acpi_madt_ioapic {
	uint8_t  type;                  /*  0 = 1 */
	uint8_t  length;                /*  1 = 12 */
	uint8_t  id;                    /*  2 I/O APIC ID */
	uint8_t  reserved;              /*  3 */
	uint32_t address;               /*  4 physical base of its registers */
	uint32_t gsi_base;              /*  8 GSI of its first input (pin 0) */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "ACPI 5.2.12.3");

/* §5.2.12.5 Interrupt Source Override Structure: ISA IRQ source is wired to
 * GSI gsi, with the MPS INTI flags below instead of the ISA defaults. */
struct acpi_madt_iso {
	uint8_t  type;                  /*  0 = 2 */
	uint8_t  length;                /*  1 = 10 */
	uint8_t  bus;                   /*  2 0: ISA, the only value defined */
	uint8_t  source;                /*  3 bus-relative IRQ */
	uint32_t gsi;                   /*  4 */
	uint16_t flags;                 /*  8 ACPI_MPS_INTI_* */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt_iso) == 10, "ACPI 5.2.12.5");

/* MPS INTI flags (§5.2.12.5). 00 in either field "conforms to the
 * specifications of the bus": for ISA, active high and edge triggered.
 * 10 is reserved in both. */
#define ACPI_MPS_INTI_POLARITY_MASK  0x3u
#define   ACPI_MPS_INTI_POLARITY_BUS  0x0u
#define   ACPI_MPS_INTI_ACTIVE_HIGH   0x1u
#define   ACPI_MPS_INTI_ACTIVE_LOW    0x3u
#define ACPI_MPS_INTI_TRIGGER_SHIFT  2
#define ACPI_MPS_INTI_TRIGGER_MASK   (0x3u << ACPI_MPS_INTI_TRIGGER_SHIFT)
#define   ACPI_MPS_INTI_TRIGGER_BUS   (0x0u << ACPI_MPS_INTI_TRIGGER_SHIFT)
#define   ACPI_MPS_INTI_EDGE          (0x1u << ACPI_MPS_INTI_TRIGGER_SHIFT)
#define   ACPI_MPS_INTI_LEVEL         (0x3u << ACPI_MPS_INTI_TRIGGER_SHIFT)
#define ACPI_MPS_INTI_RESERVED_POLARITY 0x2u
#define ACPI_MPS_INTI_RESERVED_TRIGGER  (0x2u << ACPI_MPS_INTI_TRIGGER_SHIFT)

#define ACPI_ISA_IRQS 16         /* ISA IRQs 0-15: what an override may name */

/* Local APIC flags. Neither bit: the CPU is unusable and the OS
 * must ignore the entry. */
#define ACPI_MADT_CPU_ENABLED        BIT(0)
#define ACPI_MADT_CPU_ONLINE_CAPABLE BIT(1)

/* §5.2.3.2 Generic Address Structure. */
struct acpi_gas {
	uint8_t  space_id;              /*  0 ACPI_GAS_* */
	uint8_t  bit_width;             /*  1 */
	uint8_t  bit_offset;            /*  2 */
	uint8_t  access_size;           /*  3 */
	uint64_t address;               /*  4 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "ACPI 5.2.3.2");

#define ACPI_GAS_MEMORY 0
#define ACPI_GAS_IO     1

/* §5.2.9 Fixed ACPI Description Table (FADT) (revision 6). Older
 * revisions are shorter: read a field only if hdr.length covers it. */
struct acpi_fadt {
	struct acpi_sdt_header hdr;     /*   0 "FACP" */
	uint32_t firmware_ctrl;         /*  36 */
	uint32_t dsdt;                  /*  40 */
	uint8_t  reserved0;             /*  44 */
	uint8_t  preferred_pm_profile;  /*  45 */
	uint16_t sci_int;               /*  46 */
	uint32_t smi_cmd;               /*  48 */
	uint8_t  acpi_enable;           /*  52 */
	uint8_t  acpi_disable;          /*  53 */
	uint8_t  s4bios_req;            /*  54 */
	uint8_t  pstate_cnt;            /*  55 */
	uint32_t pm1a_evt_blk;          /*  56 */
	uint32_t pm1b_evt_blk;          /*  60 */
	uint32_t pm1a_cnt_blk;          /*  64 I/O port */
	uint32_t pm1b_cnt_blk;          /*  68 I/O port, 0 if none */
	uint32_t pm2_cnt_blk;           /*  72 */
	uint32_t pm_tmr_blk;            /*  76 */
	uint32_t gpe0_blk;              /*  80 */
	uint32_t gpe1_blk;              /*  84 */
	uint8_t  pm1_evt_len;           /*  88 */
	uint8_t  pm1_cnt_len;           /*  89 */
	uint8_t  pm2_cnt_len;           /*  90 */
	uint8_t  pm_tmr_len;            /*  91 */
	uint8_t  gpe0_blk_len;          /*  92 */
	uint8_t  gpe1_blk_len;          /*  93 */
	uint8_t  gpe1_base;             /*  94 */
	uint8_t  cst_cnt;               /*  95 */
	uint16_t p_lvl2_lat;            /*  96 */
	uint16_t p_lvl3_lat;            /*  98 */
	uint16_t flush_size;            /* 100 */
	uint16_t flush_stride;          /* 102 */
	uint8_t  duty_offset;           /* 104 */
	uint8_t  duty_width;            /* 105 */
	uint8_t  day_alrm;              /* 106 */
	uint8_t  mon_alrm;              /* 107 */
	uint8_t  century;               /* 108 */
	uint16_t iapc_boot_arch;        /* 109 */
	uint8_t  reserved1;             /* 111 */
	uint32_t flags;                 /* 112 ACPI_FADT_* */
	struct acpi_gas reset_reg;      /* 116 (end of the ACPI 1.0 FADT) */
	uint8_t  reset_value;           /* 128 */
	uint16_t arm_boot_arch;         /* 129 */
	uint8_t  fadt_minor_version;    /* 131 */
	uint64_t x_firmware_ctrl;       /* 132 */
	uint64_t x_dsdt;                /* 140 used instead of dsdt when non-zero */
	struct acpi_gas x_pm1a_evt_blk; /* 148 */
	struct acpi_gas x_pm1b_evt_blk; /* 160 */
	struct acpi_gas x_pm1a_cnt_blk; /* 172 used instead of pm1a_cnt_blk when non-zero */
	struct acpi_gas x_pm1b_cnt_blk; /* 184 */
	struct acpi_gas x_pm2_cnt_blk;  /* 196 */
	struct acpi_gas x_pm_tmr_blk;   /* 208 */
	struct acpi_gas x_gpe0_blk;     /* 220 */
	struct acpi_gas x_gpe1_blk;     /* 232 */
	struct acpi_gas sleep_control_reg; /* 244 */
	struct acpi_gas sleep_status_reg;  /* 256 */
	uint64_t hypervisor_vendor_id;  /* 268 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_fadt) == 276, "ACPI 5.2.9");
#define ACPI_FADT_V1_SIZE 116

#define ACPI_FADT_HW_REDUCED BIT(20)   /* no fixed hardware: no PM1 blocks */

/* §4.8.3.2.1 PM1 Control Registers: write SLP_TYPx | SLP_EN to enter S5. */
#define ACPI_PM1_CNT_SLP_TYP_SHIFT 10
#define ACPI_PM1_CNT_SLP_TYP_MASK  (0x7u << ACPI_PM1_CNT_SLP_TYP_SHIFT)
#define ACPI_PM1_CNT_SLP_EN        (1u << 13)

/* Sum of len bytes modulo 256: 0 for a table with a valid checksum
 * (§5.2.5.3, §5.2.6); a builder stores its negation in the checksum field. */
static inline uint8_t acpi_sum8(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + b[i]);
	return sum;
}

#endif /* HW_ACPI_H */
