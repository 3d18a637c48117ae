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
 *            CPU_ON over HVC (see below); bit 1: slot 0 then waits for
 *            every record, prints them on the PL011 UART at 0x09000000
 *            and powers the machine off with PSCI SYSTEM_OFF (for runs
 *            without qtest, such as under KVM in the test bed)
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
 * The UART report, one line per record and per encoding, all numbers
 * in hex with 16 digits:
 *   IDPROBE n=SLOT mpidr=MPIDR_EL1 el=CurrentEL exc=EXC
 *   IDPROBE n=SLOT c=CRm*8+op2 v=VALUE t=TRAP
 *   IDPROBE-MISSING n=SLOT     (its record was not done in time)
 *   IDPROBE-END
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
        .equ    IDP_FLAG_REPORT_BIT, 1      /* flags bit 1 */
        .equ    UART_BASE, 0x09000000       /* PL011: DR +0, FR +0x18 */
        .equ    UART_FR_TXFF_BIT, 5
        .equ    PSCI_SYSTEM_OFF, 0x84000008
        .equ    WAIT_LOOPS, 0x40000000      /* polls for each record */
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
        cbnz    x27, park
        ldr     x0, [x21, #P_FLAGS]
        tbnz    x0, #IDP_FLAG_REPORT_BIT, report
park:   wfi
        b       park

        /*
         * Slot 0, report mode: wait for each record (bounded), print it,
         * power off.  x28 = slot, x26 = count, x3 = record; x0-x2 and
         * x9-x16 are scratch for the print routines.
         */
report:
        mov     x28, #0
1:      cmp     x28, x26
        b.hs    9f
        add     x3, x23, x28, lsl #R_SHIFT
        ldr     x4, =IDP_DONE
        ldr     x5, =WAIT_LOOPS
2:      ldr     x0, [x3, #R_DONE]
        cmp     x0, x4
        b.eq    3f
        subs    x5, x5, #1
        b.ne    2b
        adr     x2, s_missing
        bl      puts
        mov     x1, x28
        bl      puthex
        bl      newline
        b       8f
3:      adr     x2, s_head
        bl      puts
        mov     x1, x28
        bl      puthex
        adr     x2, s_mpidr
        bl      puts
        ldr     x1, [x3, #R_MPIDR]
        bl      puthex
        adr     x2, s_el
        bl      puts
        ldr     x1, [x3, #R_EL]
        bl      puthex
        adr     x2, s_exc
        bl      puts
        ldr     x1, [x3, #R_EXC]
        bl      puthex
        bl      newline
        mov     x6, #0
4:      adr     x2, s_head
        bl      puts
        mov     x1, x28
        bl      puthex
        adr     x2, s_enc
        bl      puts
        mov     x1, x6
        bl      puthex
        adr     x2, s_value
        bl      puts
        add     x7, x3, x6, lsl #3
        ldr     x1, [x7, #R_VALUE]
        bl      puthex
        adr     x2, s_trap
        bl      puts
        ldr     x1, [x7, #R_TRAP]
        bl      puthex
        bl      newline
        add     x6, x6, #1
        cmp     x6, #64
        b.lo    4b
8:      add     x28, x28, #1
        b       1b
9:      adr     x2, s_end
        bl      puts
        bl      newline
        ldr     x0, =PSCI_SYSTEM_OFF
        hvc     #0
        b       park

        /* putc: w0 to the UART.  Clobbers x9, x10. */
putc:
        ldr     x9, =UART_BASE
1:      ldr     w10, [x9, #0x18]
        tbnz    w10, #UART_FR_TXFF_BIT, 1b
        str     w0, [x9]
        ret

        /* puts: the NUL-terminated string at x2.  Clobbers x0, x2, x9-x13. */
puts:
        mov     x13, x30
1:      ldrb    w0, [x2], #1
        cbz     w0, 2f
        bl      putc
        b       1b
2:      mov     x30, x13
        ret

        /* puthex: x1 as 16 hex digits.  Clobbers x0, x9-x12, x14. */
puthex:
        mov     x14, x30
        mov     x12, #60
1:      lsr     x0, x1, x12
        and     x0, x0, #0xf
        cmp     x0, #10
        b.lo    2f
        add     x0, x0, #('a' - 10)
        b       3f
2:      add     x0, x0, #'0'
3:      bl      putc
        subs    x12, x12, #4
        b.ge    1b
        mov     x30, x14
        ret

        /* newline: "\r\n".  Clobbers x0, x9, x10, x15. */
newline:
        mov     x15, x30
        mov     x0, #'\r'
        bl      putc
        mov     x0, #'\n'
        bl      putc
        mov     x30, x15
        ret

s_head:     .asciz  "IDPROBE n="
s_mpidr:    .asciz  " mpidr="
s_el:       .asciz  " el="
s_exc:      .asciz  " exc="
s_enc:      .asciz  " c="
s_value:    .asciz  " v="
s_trap:     .asciz  " t="
s_missing:  .asciz  "IDPROBE-MISSING n="
s_end:      .asciz  "IDPROBE-END"
        .balign 4

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
