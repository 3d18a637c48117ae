/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * Renesas R-Car core revisions
 *
 * QEMU's cortex-a57 model is r1p0; R-Car Gen3 ships Cortex-A57 r1p3
 * (MIDR_EL1 0x411fd073, as an H3 ES3.0 boot log prints it).  The
 * Cortex-A53 of the same SoCs is r0p4, which QEMU's cortex-a53 already
 * is.  r1p3 and r1p0 differ only in errata fixes, not in any feature ID
 * register (Cortex-A57 TRM, ARM DDI 0488H, 4.3), so these models are the
 * upstream ones with the identification registers of the shipped parts.
 * Both are also usable with KVM, where the host core provides MIDR_EL1
 * unless the machine sets it (Linux 6.15's writable MIDR_EL1).
 */

#include "qemu/osdep.h"
#include "cpu.h"

static void rcar_a57_r1p3_init(Object *obj)
{
    ARM_CPU(obj)->midr = 0x411fd073;
}

static void rcar_a53_r0p4_init(Object *obj)
{
    ARM_CPU(obj)->midr = 0x410fd034;
}

static const TypeInfo rcar_cpu_types[] = {
    {
        .name = ARM_CPU_TYPE_NAME("cortex-a57-r1p3"),
        .parent = ARM_CPU_TYPE_NAME("cortex-a57"),
        .instance_init = rcar_a57_r1p3_init,
    }, {
        .name = ARM_CPU_TYPE_NAME("cortex-a53-r0p4"),
        .parent = ARM_CPU_TYPE_NAME("cortex-a53"),
        .instance_init = rcar_a53_r0p4_init,
    },
};

DEFINE_TYPES(rcar_cpu_types)
