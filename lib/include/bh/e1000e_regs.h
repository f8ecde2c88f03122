/* Intel 82574 (e1000e) registers and bits (82574 datasheet, chapter 10),
   shared by the e1000e driver (drivers/e1000e) and the root task's VT-d
   test (root/t_vtd.c), which drives the same device through its I/O BAR. */
#ifndef BH_E1000E_REGS_H
#define BH_E1000E_REGS_H

#define E_CTRL 0x0000
#define E_CTRL_SLU (1u << 6)
#define E_CTRL_RST (1u << 26)
#define E_STATUS 0x0008
#define E_STATUS_LU (1u << 1)
#define E_ICR 0x00c0
#define E_ICS 0x00c8
#define E_ICS_LSC (1u << 2)
#define E_IMS 0x00d0
#define E_IMC 0x00d8
#define E_IVAR 0x00e4
#define E_RCTL 0x0100
#define E_RCTL_EN (1u << 1)
#define E_RCTL_BAM (1u << 15)
#define E_RCTL_SECRC (1u << 26)
#define E_TCTL 0x0400
#define E_TCTL_EN (1u << 1)
#define E_TCTL_PSP (1u << 3)
#define E_RDBAL 0x2800
#define E_RDBAH 0x2804
#define E_RDLEN 0x2808
#define E_RDH 0x2810
#define E_RDT 0x2818
#define E_TDBAL 0x3800
#define E_TDBAH 0x3804
#define E_TDLEN 0x3808
#define E_TDH 0x3810
#define E_TDT 0x3818
#define E_TARC0 0x3840
#define E_TARC_ENABLE (1u << 10)     /* QEMU transmits only with this set */
#define E_RAL0 0x5400
#define E_RAH0 0x5404
#define E_ITR 0x00c4                 /* interrupt throttling */

#endif
