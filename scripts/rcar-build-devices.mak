# Device configuration for qemu-rcar's own builds (configure
# --without-default-devices --with-devices-aarch64=rcar-build): the two
# machines we test, rcar-virt and virt, and the devices our tests use.
# Not part of the series: distributions build with their own configs.
CONFIG_RCAR_VIRT=y
CONFIG_ARM_VIRT=y
CONFIG_VIRTIO_BLK=y
CONFIG_VIRTIO_NET=y
CONFIG_VIRTIO_GPU=y
CONFIG_VIRTIO_SERIAL=y
CONFIG_VIRTIO_RNG=y
CONFIG_VIRTIO_9P=y
CONFIG_VIRTIO_INPUT=y
CONFIG_VIRTIO_SCSI=y
CONFIG_VIRTIO_BALLOON=y
CONFIG_VIRTIO_PCI=y
CONFIG_PCI_DEVICES=y
