/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 * libqos driver framework: the rcar-virt machine (hw/arm/rcar-virt.c)
 *
 * Lets the generic virtio qtests (blk, net, rng, serial, 9p, ...) run on
 * rcar-virt.  The first -device the tests add lands on the lowest
 * virtio-mmio transport, unlike on virt (see arm-virt-machine.c).
 */

#include "qemu/osdep.h"
#include "../libqtest.h"
#include "qemu/module.h"
#include "libqos-malloc.h"
#include "qgraph.h"
#include "virtio-mmio.h"

#define RCAR_VIRT_PAGE_SIZE         4096
#define RCAR_VIRT_MMIO_FIRST        0x0a000000
#define RCAR_VIRT_MMIO_SIZE         0x200
#define RCAR_VIRT_RAM_ADDR          0x40000000
#define RCAR_VIRT_RAM_SIZE          0x20000000

typedef struct QRcarVirtMachine {
    QOSGraphObject obj;
    QGuestAllocator alloc;
    QVirtioMMIODevice virtio_mmio;
} QRcarVirtMachine;

static void rcar_virt_destructor(QOSGraphObject *obj)
{
    QRcarVirtMachine *machine = container_of(obj, QRcarVirtMachine, obj);

    alloc_destroy(&machine->alloc);
}

static void *rcar_virt_get_driver(void *object, const char *interface)
{
    QRcarVirtMachine *machine = object;

    if (!g_strcmp0(interface, "memory")) {
        return &machine->alloc;
    }
    fprintf(stderr, "%s not present in aarch64/rcar-virt\n", interface);
    g_assert_not_reached();
}

static QOSGraphObject *rcar_virt_get_device(void *object, const char *device)
{
    QRcarVirtMachine *machine = object;

    if (!g_strcmp0(device, "virtio-mmio")) {
        return &machine->virtio_mmio.obj;
    }
    fprintf(stderr, "%s not present in aarch64/rcar-virt\n", device);
    g_assert_not_reached();
}

static void *rcar_virt_create_machine(QTestState *qts)
{
    QRcarVirtMachine *machine = g_new0(QRcarVirtMachine, 1);

    alloc_init(&machine->alloc, 0, RCAR_VIRT_RAM_ADDR,
               RCAR_VIRT_RAM_ADDR + RCAR_VIRT_RAM_SIZE, RCAR_VIRT_PAGE_SIZE);
    qvirtio_mmio_init_device(&machine->virtio_mmio, qts, RCAR_VIRT_MMIO_FIRST,
                             RCAR_VIRT_MMIO_SIZE);
    machine->obj.get_device = rcar_virt_get_device;
    machine->obj.get_driver = rcar_virt_get_driver;
    machine->obj.destructor = rcar_virt_destructor;
    return machine;
}

static void rcar_virt_register_nodes(void)
{
    /*
     * Without -nic none the default NIC would take the first transport,
     * where the tests expect their own device.  libqos' virtio-mmio driver
     * sets queues up through the legacy QUEUE_PFN register only, so the
     * transports are switched to the legacy interface for it.
     */
    qos_node_create_machine_args("aarch64/rcar-virt", rcar_virt_create_machine,
                                 " -nic none"
                                 " -global virtio-mmio.force-legacy=true");
    qos_node_contains("aarch64/rcar-virt", "virtio-mmio", NULL);
}

libqos_init(rcar_virt_register_nodes);
