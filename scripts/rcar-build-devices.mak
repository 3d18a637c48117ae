# Device configuration for qemu-rcar's own builds (configure
# --with-devices-aarch64=rcar-build): the default devices, with every
# board but the two we test, rcar-virt and virt, switched off.  Devices
# follow from the boards through Kconfig, so upstream's qtests find what
# virt implies.  Not part of the series: distributions use their own.
# rcar-virt (from patch 2 on) and virt are on: their Kconfig says default y.
CONFIG_VMAPPLE=n
CONFIG_CUBIEBOARD=n
CONFIG_DIGIC=n
CONFIG_EXYNOS4=n
CONFIG_HIGHBANK=n
CONFIG_INTEGRATOR=n
CONFIG_MPS3R=n
CONFIG_MUSCA=n
CONFIG_MUSICPAL=n
CONFIG_NETDUINO2=n
CONFIG_NETDUINOPLUS2=n
CONFIG_OLIMEX_STM32_H405=n
CONFIG_REALVIEW=n
CONFIG_SBSA_REF=n
CONFIG_SABRELITE=n
CONFIG_STELLARIS=n
CONFIG_STM32VLDISCOVERY=n
CONFIG_COLLIE=n
CONFIG_SX1=n
CONFIG_VERSATILE=n
CONFIG_VEXPRESS=n
CONFIG_ZYNQ=n
CONFIG_ALLWINNER_H3=n
CONFIG_ALLWINNER_R40=n
CONFIG_RASPI=n
CONFIG_B_L475E_IOT01A=n
CONFIG_XLNX_ZYNQMP_ARM=n
CONFIG_XLNX_VERSAL=n
CONFIG_NPCM7XX=n
CONFIG_NPCM8XX=n
CONFIG_FSL_IMX25=n
CONFIG_FSL_IMX31=n
CONFIG_ASPEED_SOC=n
CONFIG_MPS2=n
CONFIG_FSL_IMX7=n
CONFIG_FSL_IMX8MP_EVK=n
CONFIG_FSL_IMX6UL=n
CONFIG_MICROBIT=n
CONFIG_EMCRAFT_SF2=n
# virt implies the I2C TPM, whose qtest runs on an Aspeed board we drop
CONFIG_TPM_TIS_I2C=n
