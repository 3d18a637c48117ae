/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Bare-metal probe of the AArch64 ID register space for rcar-virt
 *
 * Reads the 64 encodings op0=3, op1=0, CRn=0, CRm=0..7, op2=0..7 at EL1 on
 * every vCPU and writes what it saw to RAM, for tests/qtest/rcar-id-test.c
 * to compare with its tables.  Built by scripts/build-id-probe.sh; linked
 * by id-probe.ld, which fixes the addresses below.
 *
 * Memory protocol (little-endian 64-bit words; the test writes the
 * parameter block and clears the records while the machine is stopped
 * with -S, then sends 'cont'):
 *
 *   parameter block at id_probe_params (0x40100000), written by the test:
 *     +0x00  number of CPUs listed below, at most IDP_MAX_CPUS
 *     +0x08  flags; bit 0: the CPU of slot 0 starts the others with PSCI
 *            CPU_ON over HVC (see below)
 *     +0x10  written by a CPU whose MPIDR is not listed: its MPIDR_EL1
 *            with bit 63 set (it then parks)
 *     +0x18  ESR_EL1 | bit 63 of an exception taken before a CPU found
 *            its record (0: none)
 *     +0x40  MPIDR affinity (Aff3..Aff0 as in MPIDR_EL1, other bits 0)
 *            of slot 0, 1, ...: CPU n writes record n
 *
 *   record n at id_probe_results (0x40110000) + n * 0x800:
 *     +0x000  done: IDP_DONE, written last, after a DSB
 *     +0x008  MPIDR_EL1 as read
 *     +0x010  CurrentEL as read (EL1 is 0x4)
 *     +0x018  the PSCI CPU_ON return code of the call that started this
 *             CPU, written by slot 0 (0 success; untouched for slot 0)
 *     +0x020  ESR_EL1 | bit 63 of an exception outside the 64 reads
 *             (0: none)
 *     +0x100  value[64]: encoding CRm*8+op2 read into a zeroed register
 *             (so 0 when the read trapped)
 *     +0x300  trap[64]: 0 if the read completed, else ESR_EL1 | bit 63
 *
 * Start-up: QEMU loads an ELF -kernel as bare metal and starts it at its
 * entry point at the CPU's highest EL, EL1 on rcar-virt unless
 * virtualization=on.  When QEMU serves PSCI (rcar-virt: over HVC, which
 * hw/arm/boot.c keeps because the guest starts below EL2), boot.c starts
 * only the first CPU and leaves the others powered off
 * ("start-powered-off"); slot 0 must then be that CPU and wakes the
 * others, at _start, with CPU_ON.  Where every CPU starts at the entry,
 * clear flag bit 0.  With virtualization=on the probe would run at EL2
 * and PSCI is over SMC: not supported.
 *
 * Each read targets x0 (so a trapped read with EC 0x18 reports Rt=0).
 * The exception vector records ESR_EL1 through x19, which points at the
 * trap word of the instruction about to run (or at +0x020), steps over the
 * faulting instruction (ELR_EL1 += 4) and returns.  x19 and x20 belong to
 * the vector; nothing else uses them.  The probe runs with the MMU off and
 * needs no stack.
 */

        .equ    IDP_MAX_CPUS, 64
        .equ    IDP_FLAG_PSCI_ON_BIT, 0     /* flags bit 0 */
        .equ    P_NCPUS, 0x00
        .equ    P_FLAGS, 0x08
        .equ    P_STRAY, 0x10
        .equ    P_EARLY_EXC, 0x18
        .equ    P_MPIDR, 0x40

        .equ    R_SHIFT, 11             /* 0x800 bytes a record */
        .equ    R_DONE, 0x000
        .equ    R_MPIDR, 0x008
        .equ    R_EL, 0x010
        .equ    R_PSCI, 0x018
        .equ    R_EXC, 0x020
        .equ    R_VALUE, 0x100
        .equ    R_TRAP, 0x300

        .equ    IDP_DONE, 0x2145424f52504449    /* "IDPROBE!" in memory */
        .equ    MPIDR_AFF_MASK, 0xff00ffffff
        .equ    PSCI_CPU_ON_64, 0xc4000003

        .text
        .global _start
_start:
        msr     daifset, #0xf
        ldr     x0, =vectors
        msr     vbar_el1, x0
        isb
        ldr     x21, =id_probe_params
        ldr     x23, =id_probe_results
        add     x19, x21, #P_EARLY_EXC  /* until we know our record */

        /* Find this CPU's slot: x27 = index, x22 = record */
        mrs     x24, mpidr_el1
        ldr     x0, =MPIDR_AFF_MASK
        and     x25, x24, x0
        ldr     x26, [x21, #P_NCPUS]
        cmp     x26, #IDP_MAX_CPUS
        b.hi    stray
        mov     x27, #0
        add     x1, x21, #P_MPIDR
1:      cmp     x27, x26
        b.hs    stray
        ldr     x0, [x1, x27, lsl #3]
        cmp     x0, x25
        b.eq    2f
        add     x27, x27, #1
        b       1b
2:      add     x22, x23, x27, lsl #R_SHIFT
        add     x19, x22, #R_EXC
        str     x24, [x22, #R_MPIDR]
        mrs     x0, CurrentEL
        str     x0, [x22, #R_EL]

        /* Slot 0 starts the others, each at _start like itself */
        cbnz    x27, probe
        ldr     x0, [x21, #P_FLAGS]
        tbz     x0, #IDP_FLAG_PSCI_ON_BIT, probe
        mov     x28, #1
3:      cmp     x28, x26
        b.hs    probe
        ldr     x0, =PSCI_CPU_ON_64
        add     x1, x21, #P_MPIDR
        ldr     x1, [x1, x28, lsl #3]
        ldr     x2, =_start
        mov     x3, x28                 /* context id: unused */
        hvc     #0
        add     x1, x23, x28, lsl #R_SHIFT
        str     x0, [x1, #R_PSCI]
        add     x28, x28, #1
        b       3b

        /*
         * One block per encoding, generated: point the vector at the trap
         * word, clear it and the target, read, store.
         */
probe:
        .irp    crm, 0, 1, 2, 3, 4, 5, 6, 7
        .irp    op2, 0, 1, 2, 3, 4, 5, 6, 7
        add     x19, x22, #(R_TRAP + (\crm * 8 + \op2) * 8)
        str     xzr, [x19]
        mov     x0, xzr
        mrs     x0, S3_0_C0_C\crm\()_\op2
        str     x0, [x22, #(R_VALUE + (\crm * 8 + \op2) * 8)]
        .endr
        .endr
        add     x19, x22, #R_EXC

        dsb     sy
        ldr     x0, =IDP_DONE
        str     x0, [x22, #R_DONE]
        dsb     sy
park:   wfi
        b       park

stray:
        orr     x0, x24, #(1 << 63)
        str     x0, [x21, #P_STRAY]
        dsb     sy
        b       park

        /*
         * Synchronous exceptions: record and step over.  Interrupts and
         * SErrors stay masked; should one arrive anyway, park.
         */
sync_exception:
        mrs     x20, esr_el1
        orr     x20, x20, #(1 << 63)
        str     x20, [x19]
        mrs     x20, elr_el1
        add     x20, x20, #4
        msr     elr_el1, x20
        eret

        .ltorg

        /* 4 groups (EL1t, EL1h, lower EL AArch64, AArch32) of 4 entries */
        .balign 2048
vectors:
        .rept   4
        b       sync_exception
        .balign 0x80
        .rept   3
        b       park
        .balign 0x80
        .endr
        .endr

        .section .note.GNU-stack, "", %progbits
