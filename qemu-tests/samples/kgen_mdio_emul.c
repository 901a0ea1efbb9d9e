// SPDX-License-Identifier: GPL-2.0
/*
 * kgen_mdio_emul: test harness (not product code) for the QEMU proof of
 * kgen's generated net/phy API.
 *
 * It registers a software MDIO bus, "kgen-emul", whose read/write ops are
 * backed by arrays of registers, with two emulated PHYs:
 *
 *   - address 5: PHY ID `phy_id` (default 0x4b474e01, the ID of
 *     rust_phy_sample.ko), wired to a software interrupt line;
 *   - address 21: the same ID, which rust_phy_sample's match_phy_device must
 *     reject (full mode only).
 *
 * phylib probes the PHYs and binds the Rust driver. The harness then drives
 * the PHY through phylib (connect to a dummy net_device, start, link up and
 * down, interrupts, suspend/resume, loopback, MMD and paged access, WoL, ...)
 * and checks the effects: register values the Rust driver wrote, phydev
 * fields its callbacks set, and the harness's adjust_link calls. A few
 * callbacks that only ethtool netlink or ioctls reach (SQI, PLCA, LEDs,
 * stats, module_info) are called directly through phydev->drv with the PHY
 * lock held, as phylib would; their test names say "direct".
 *
 * Results are KTAP lines ("ok N - name" / "not ok N - name") on the kernel
 * log, in two blocks (module init; module exit: disconnect and remove), each
 * ending with its plan line.
 *
 * Parameters:
 *   quick=1      only probe, connect, link up, stop, disconnect (used for the
 *                load/unload cycles); module init fails if any check fails.
 *   ktap=0       print no KTAP lines (the cycles count insmod's status).
 *   phy_id=N     emulated PHY ID (e.g. 0x003b1861 for ax88796b_rust).
 *   expect_drv=S name of the phy_driver that must bind ('_' stands for ' ',
 *                as busybox's insmod cannot pass a value with spaces).
 *   use_irq=0    poll instead of using the software interrupt.
 *   prefix=S     test name prefix.
 *   leak_bytes=N negative control for run.sh's kmemleak check: leak a
 *                kmalloc of N bytes on purpose (never used by run.sh).
 */

#include <linux/delay.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/jiffies.h>
#include <linux/leds.h>
#include <linux/mdio.h>
#include <linux/mii.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/phy.h>
#include <linux/platform_device.h>

#define DRV_NAME "kgen-mdio-emul"
#define BUS_ID "kgen-emul"

#define SAMPLE_ID 0x4b474e01
#define SAMPLE_DRV "KGen sample PHY"

static bool quick;
module_param(quick, bool, 0444);
static bool ktap = true;
module_param(ktap, bool, 0444);
static uint phy_id = SAMPLE_ID;
module_param(phy_id, uint, 0444);
static char *expect_drv = SAMPLE_DRV;
module_param(expect_drv, charp, 0444);
static bool use_irq = true;
module_param(use_irq, bool, 0444);
static char *prefix = "phy";
module_param(prefix, charp, 0444);
static uint leak_bytes;
module_param(leak_bytes, uint, 0444);

/* Vendor registers of the made-up PHY (see rust_phy_sample.rs). */
enum {
	VCFG = 0x10, VPROBE, VSTAT, VLINK, VSQI, VISR, VIMR, VWOL,
	VSUSP, VCT, VPAGED, VPAGED_COPY, VANEG, VFW, VLED, VREMOVE,
};

#define CFG_MAGIC 0xc0de
#define PROBE_MAGIC 0x5052
#define REMOVE_MAGIC 0xdead
#define MMD_ID_MAGIC 0x4b47
#define FW_SIZE 16 /* size of /lib/firmware/kgen/sample-phy.bin */

#define VSTAT_SPEED10 0
#define VSTAT_SPEED100 1
#define VSTAT_FULL BIT(2)
#define VSTAT_C45_LINK BIT(12)
#define VSTAT_FORCE_DOWN BIT(13)
#define VSTAT_GENPHY BIT(14)
#define VSTAT_RESOLVE BIT(15)

#define ADDR_MAIN 5
#define ADDR_OTHER 21
#define NPHY 2

#define BMSR_ABILITIES (BMSR_100FULL | BMSR_100HALF | BMSR_10FULL | \
			BMSR_10HALF | BMSR_ANEGCAPABLE)

struct emul_phy {
	int addr;
	u16 regs[32];
	/* counters of events seen on the bus */
	unsigned int resets, anrestarts, mmd_indirect, isr_hits;
};

struct emul {
	struct platform_device *pdev;
	struct mii_bus *bus;
	struct net_device *ndev;
	struct phy_device *phydev;
	spinlock_t lock; /* protects phys[] */
	struct emul_phy phys[NPHY];
	int irq;
	/* adjust_link calls */
	int adjust_calls, adjust_link, adjust_speed, adjust_duplex;
};

static struct emul *E;
static int test_no;	/* results in the current KTAP block */
static int tests_total;
static int failures;

/* KTAP blocks: one for module init, one for module exit (if it has results).
 * Each ends with its plan line, which qemu-tests/run.sh checks.
 */
static void ktap_begin(const char *what)
{
	test_no = 0;
	if (ktap) {
		pr_info("KTAP version 1\n");
		pr_info("# %s: %s\n", prefix, what);
	}
}

static void ktap_end(void)
{
	if (ktap)
		pr_info("1..%d\n", test_no);
}

static void result(bool ok, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	test_no++;
	tests_total++;
	if (!ok)
		failures++;
	if (!ktap && ok)
		return;
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	if (ktap)
		pr_info("%sok %d - %s: %pV\n", ok ? "" : "not ", test_no, prefix, &vaf);
	else
		pr_err(DRV_NAME ": check failed: %s: %pV\n", prefix, &vaf);
	va_end(args);
}

#define CHECK(cond, name, ...) ({					\
	bool __ok = (cond);						\
	result(__ok, name, ##__VA_ARGS__);				\
	__ok;								\
})

/* CHECK_EQ: also prints the values on failure. */
#define CHECK_EQ(got, want, name) ({					\
	long long __g = (got), __w = (want);				\
	if (__g != __w && ktap)						\
		pr_info("# %s: got %lld (0x%llx), want %lld (0x%llx)\n",\
			name, __g, __g, __w, __w);			\
	result(__g == __w, name);					\
	__g == __w;							\
})

/* ---- the emulated bus ---- */

static struct emul_phy *phy_at(struct emul *e, int addr)
{
	int i;

	for (i = 0; i < NPHY; i++)
		if (e->phys[i].addr == addr)
			return &e->phys[i];
	return NULL;
}

static void phy_defaults(struct emul_phy *p, bool keep_vendor)
{
	p->regs[MII_BMCR] = BMCR_ANENABLE;
	if (!keep_vendor) {
		p->regs[MII_BMSR] = BMSR_ABILITIES;
		p->regs[MII_PHYSID1] = phy_id >> 16;
		p->regs[MII_PHYSID2] = phy_id & 0xffff;
		p->regs[MII_ADVERTISE] = ADVERTISE_CSMA | ADVERTISE_ALL;
		p->regs[VPAGED] = 0x1234;
	} else {
		/* A soft reset loses the vendor configuration. */
		p->regs[VCFG] = 0;
	}
}

static int emul_read(struct mii_bus *bus, int addr, int reg)
{
	struct emul *e = bus->priv;
	struct emul_phy *p;
	unsigned long flags;
	int val;

	spin_lock_irqsave(&e->lock, flags);
	p = phy_at(e, addr);
	if (!p || reg < 0 || reg > 31) {
		val = 0xffff;
		goto out;
	}
	val = p->regs[reg];
	switch (reg) {
	case VISR: /* clear on read */
		if (val)
			p->isr_hits++;
		p->regs[VISR] = 0;
		break;
	case MII_MMD_CTRL:
	case MII_MMD_DATA:
		p->mmd_indirect++;
		break;
	}
out:
	spin_unlock_irqrestore(&e->lock, flags);
	return val;
}

static int emul_write(struct mii_bus *bus, int addr, int reg, u16 val)
{
	struct emul *e = bus->priv;
	struct emul_phy *p;
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	p = phy_at(e, addr);
	if (!p || reg < 0 || reg > 31)
		goto out;
	switch (reg) {
	case MII_BMCR:
		if (val & BMCR_ANRESTART)
			p->anrestarts++;
		if (val & BMCR_RESET) {
			p->resets++;
			phy_defaults(p, true);
			break;
		}
		/* RESET and ANRESTART clear themselves. */
		p->regs[MII_BMCR] = val & ~(BMCR_RESET | BMCR_ANRESTART);
		break;
	case MII_BMSR:
	case MII_PHYSID1:
	case MII_PHYSID2:
	case MII_LPA:
		break; /* read-only */
	case MII_MMD_CTRL:
	case MII_MMD_DATA:
		p->mmd_indirect++;
		p->regs[reg] = val;
		break;
	default:
		p->regs[reg] = val;
	}
out:
	spin_unlock_irqrestore(&e->lock, flags);
	return 0;
}

static u16 reg_get(struct emul *e, int reg)
{
	unsigned long flags;
	u16 v;

	spin_lock_irqsave(&e->lock, flags);
	v = e->phys[0].regs[reg];
	spin_unlock_irqrestore(&e->lock, flags);
	return v;
}

static void reg_set(struct emul *e, int reg, u16 val)
{
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	e->phys[0].regs[reg] = val;
	spin_unlock_irqrestore(&e->lock, flags);
}

static unsigned int counter(struct emul *e, unsigned int *c)
{
	unsigned long flags;
	unsigned int v;

	spin_lock_irqsave(&e->lock, flags);
	v = *c;
	spin_unlock_irqrestore(&e->lock, flags);
	return v;
}

/* ---- the software interrupt line ---- */

static int irq_line_create(void)
{
	/* Owner NULL: request_irq() would otherwise pin this module. */
	int irq = __irq_alloc_descs(-1, 0, 1, NUMA_NO_NODE, NULL, NULL);

	if (irq < 0)
		return irq;
	irq_set_chip_and_handler(irq, &dummy_irq_chip, handle_simple_irq);
	irq_clear_status_flags(irq, IRQ_NOREQUEST | IRQ_NOPROBE);
	return irq;
}

/* Raise the PHY's interrupt (ISR bits `bits`); returns once the Rust
 * handle_interrupt has read (and so cleared) the ISR, or after 5 s.
 */
static bool raise_irq(struct emul *e, u16 bits)
{
	unsigned int before = counter(e, &e->phys[0].isr_hits);
	unsigned long timeout = jiffies + 5 * HZ;

	reg_set(e, VISR, bits);
	generic_handle_irq_safe(e->irq);
	while (time_before(jiffies, timeout)) {
		if (counter(e, &e->phys[0].isr_hits) != before)
			return true;
		msleep(20);
	}
	return false;
}

/* ---- the dummy MAC ---- */

static void adjust_link(struct net_device *ndev)
{
	struct phy_device *phydev = ndev->phydev;

	E->adjust_calls++;
	E->adjust_link = phydev->link;
	E->adjust_speed = phydev->speed;
	E->adjust_duplex = phydev->duplex;
}

static const struct net_device_ops emul_netdev_ops = {};

/* Wait (up to 10 s) until phydev->link == link, kicking the state machine
 * as a MAC driver's link interrupt would.
 */
static bool wait_link(struct phy_device *phydev, int link)
{
	unsigned long timeout = jiffies + 10 * HZ;
	bool ok;

	do {
		phy_trigger_machine(phydev);
		msleep(20);
		mutex_lock(&phydev->lock);
		ok = phydev->link == link &&
		     (!link || phydev->state == PHY_RUNNING) &&
		     (link || phydev->state == PHY_NOLINK || phydev->state == PHY_HALTED);
		mutex_unlock(&phydev->lock);
		if (ok) {
			/* let phy_link_change/adjust_link finish */
			flush_delayed_work(&phydev->state_queue);
			return true;
		}
	} while (time_before(jiffies, timeout));
	return false;
}

static void set_bmsr(struct emul *e, bool link, bool aneg_complete)
{
	u16 v = BMSR_ABILITIES;

	if (link)
		v |= BMSR_LSTATUS;
	if (aneg_complete)
		v |= BMSR_ANEGCOMPLETE;
	reg_set(e, MII_BMSR, v);
}

static void set_lpa(struct emul *e, u16 lpa)
{
	unsigned long flags;

	spin_lock_irqsave(&e->lock, flags);
	e->phys[0].regs[MII_LPA] = lpa;
	spin_unlock_irqrestore(&e->lock, flags);
}

/* Link change as the PHY would signal it: flip BMSR, then interrupt (or
 * just kick the machine when polling).
 */
static bool link_event(struct emul *e, bool up)
{
	set_bmsr(e, up, up);
	if (e->irq > 0 && phy_interrupt_is_valid(e->phydev))
		raise_irq(e, 1);
	return wait_link(e->phydev, up);
}

/* ---- tests ---- */

static void test_probe(struct emul *e)
{
	struct phy_device *phydev = mdiobus_get_phy(e->bus, ADDR_MAIN);

	CHECK(phydev, "PHY found at address %d of " BUS_ID, ADDR_MAIN);
	if (!phydev)
		return;
	CHECK_EQ(phydev->phy_id, phy_id, "phy_id read from the emulated ID registers");
	CHECK(phydev->drv && !strcmp(phydev->drv->name, expect_drv),
	      "bound driver is \"%s\" (got \"%s\")", expect_drv,
	      phydev->drv ? phydev->drv->name : "(none)");
	e->phydev = phydev;
}

static void test_sample_probe(struct emul *e)
{
	struct phy_device *phydev = e->phydev;
	struct phy_device *other = mdiobus_get_phy(e->bus, ADDR_OTHER);

	CHECK(other && !other->mdio.dev.driver,
	      "match_phy_device rejects the same ID at address %d (no driver bound)",
	      ADDR_OTHER);
	CHECK_EQ(reg_get(e, VPROBE), PROBE_MAGIC, "probe wrote VPROBE");
	CHECK_EQ(reg_get(e, VFW), FW_SIZE,
		 "probe loaded the firmware via Device::as_ref and wrote its size");
	CHECK(linkmode_test_bit(ETHTOOL_LINK_MODE_100baseT_Full_BIT, phydev->supported) &&
	      linkmode_test_bit(ETHTOOL_LINK_MODE_10baseT_Half_BIT, phydev->supported) &&
	      linkmode_test_bit(ETHTOOL_LINK_MODE_Autoneg_BIT, phydev->supported) &&
	      !linkmode_test_bit(ETHTOOL_LINK_MODE_1000baseT_Full_BIT, phydev->supported),
	      "get_features (genphy_read_abilities) filled phydev->supported from BMSR");
	CHECK(!phydev->is_internal, "phydev is external (FLAGS = 0)");
}

static int connect(struct emul *e)
{
	int err;

	err = phy_connect_direct(e->ndev, e->phydev, adjust_link, PHY_INTERFACE_MODE_GMII);
	CHECK_EQ(err, 0, "phy_connect_direct");
	return err;
}

static void test_after_connect(struct emul *e)
{
	struct phy_device *phydev = e->phydev;

	CHECK(counter(e, &e->phys[0].resets) >= 1, "soft_reset (genphy_soft_reset) reset the PHY");
	CHECK_EQ(reg_get(e, VCFG), CFG_MAGIC, "config_init wrote VCFG after the reset");
	CHECK_EQ(reg_get(e, VPAGED_COPY), 0x8235,
		 "config_init: VPAGED via Device::read_paged (page callbacks), copied under lock_mdio_bus");
	CHECK_EQ(phy_read_mmd(phydev, MDIO_MMD_VEND1, 0), MMD_ID_MAGIC,
		 "config_init wrote VEND1.0 via C45 (write_mmd), read back via read_mmd");
	CHECK(reg_get(e, VIMR) >= 1, "config_intr ran (VIMR=%u)", reg_get(e, VIMR));
	CHECK(phy_interrupt_is_valid(phydev) == use_irq,
	      "phylib uses the interrupt line: %d (handle_interrupt + config_intr wired)",
	      phy_interrupt_is_valid(phydev));
	CHECK(phydev->attached_dev == e->ndev && e->ndev->phydev == phydev,
	      "PHY attached to the dummy net_device");
}

static void test_start_and_link(struct emul *e)
{
	struct phy_device *phydev = e->phydev;
	u16 bmcr, adv, vlink;
	unsigned int restarts;

	restarts = counter(e, &e->phys[0].anrestarts);
	set_bmsr(e, false, false);
	phy_start(phydev);
	CHECK(wait_link(phydev, 0), "phy_start: state machine runs, link down");
	bmcr = reg_get(e, MII_BMCR);
	adv = reg_get(e, MII_ADVERTISE);
	CHECK(bmcr & BMCR_ANENABLE, "config_aneg (genphy_config_aneg) enabled autoneg (BMCR=0x%04x)", bmcr);
	CHECK((adv & ADVERTISE_ALL) == ADVERTISE_ALL,
	      "config_aneg advertised 10/100 half/full (ADVERTISE=0x%04x)", adv);
	CHECK(reg_get(e, VANEG) >= 1, "config_aneg ran (VANEG=%u)", reg_get(e, VANEG));
	CHECK(counter(e, &e->phys[0].anrestarts) >= restarts, "autoneg restarted or already enabled");

	/* link up, vendor mode: 100/full from VSTAT */
	reg_set(e, VSTAT, VSTAT_SPEED100 | VSTAT_FULL);
	set_lpa(e, LPA_10HALF | LPA_LPACK);
	e->adjust_calls = 0;
	CHECK(link_event(e, true), "link up detected (read_status, BMSR.LSTATUS)");
	if (use_irq)
		CHECK_EQ(reg_get(e, VISR), 0, "handle_interrupt read (cleared) the ISR");
	CHECK_EQ(phydev->speed, SPEED_100, "read_status set speed from VSTAT (100)");
	CHECK_EQ(phydev->duplex, DUPLEX_FULL, "read_status set duplex from VSTAT (full)");
	CHECK(e->adjust_calls >= 1 && e->adjust_link == 1 && e->adjust_speed == SPEED_100,
	      "adjust_link saw link up at 100 (calls=%d)", e->adjust_calls);
	CHECK(netif_carrier_ok(e->ndev), "net_device carrier on");
	vlink = reg_get(e, VLINK);
	CHECK_EQ(vlink, 0x8000 | 5 << 8 | 2 << 4 | 1 << 3 | (!use_irq) << 2 | 1 << 1 | 1,
		 "link_change_notify saw RUNNING, 100, started, full, link up");

	/* link down */
	CHECK(link_event(e, false), "link down detected");
	CHECK(!netif_carrier_ok(e->ndev) && e->adjust_link == 0, "adjust_link saw link down");
	vlink = reg_get(e, VLINK);
	CHECK((vlink & 0x8001) == 0x8000 && ((vlink >> 8) & 0xf) == 6,
	      "link_change_notify saw NOLINK (VLINK=0x%04x)", vlink);

	/* link up at 10/half (VSTAT), although the partner says 100/full */
	reg_set(e, VSTAT, VSTAT_SPEED10);
	set_lpa(e, LPA_100FULL | LPA_10FULL | LPA_LPACK);
	CHECK(link_event(e, true), "link up again");
	CHECK(phydev->speed == SPEED_10 && phydev->duplex == DUPLEX_HALF,
	      "vendor read_status wins over the partner's ability: 10/half (got %d/%d)",
	      phydev->speed, phydev->duplex);
	CHECK(link_event(e, false), "link down again");

	/* genphy_read_status::<C22>() */
	reg_set(e, VSTAT, VSTAT_GENPHY);
	set_lpa(e, LPA_100FULL | LPA_100HALF | LPA_LPACK);
	CHECK(link_event(e, true), "link up (genphy_read_status::<C22>)");
	CHECK(phydev->speed == SPEED_100 && phydev->duplex == DUPLEX_FULL,
	      "genphy_read_status resolved 100/full from LPA (got %d/%d)",
	      phydev->speed, phydev->duplex);
	CHECK(linkmode_test_bit(ETHTOOL_LINK_MODE_100baseT_Full_BIT, phydev->lp_advertising),
	      "lp_advertising has 100baseT/Full");
	CHECK(link_event(e, false), "link down (genphy_read_status::<C22>)");

	/* genphy_read_lpa + resolve_aneg_linkmode */
	reg_set(e, VSTAT, VSTAT_RESOLVE);
	set_lpa(e, LPA_10FULL | LPA_LPACK);
	CHECK(link_event(e, true), "link up (read_lpa + resolve_aneg_linkmode)");
	CHECK(phydev->speed == SPEED_10 && phydev->duplex == DUPLEX_FULL,
	      "resolve_aneg_linkmode resolved 10/full (got %d/%d)",
	      phydev->speed, phydev->duplex);
	CHECK(link_event(e, false), "link down (resolve mode)");

	/* set_link(false) overrides BMSR */
	reg_set(e, VSTAT, VSTAT_FORCE_DOWN | VSTAT_SPEED100);
	set_bmsr(e, true, true);
	if (use_irq)
		raise_irq(e, 1);
	phy_trigger_machine(phydev);
	msleep(200);
	flush_delayed_work(&phydev->state_queue);
	CHECK(!phydev->link, "Device::set_link(false) keeps the link down although BMSR says up");

	/* genphy_c45_read_link: link from MMD PMAPMD STAT1 (via read_mmd) */
	set_bmsr(e, false, false);
	reg_set(e, VSTAT, VSTAT_C45_LINK | VSTAT_SPEED100 | VSTAT_FULL);
	CHECK_EQ(phy_write_mmd(phydev, MDIO_MMD_PMAPMD, MDIO_STAT1, MDIO_STAT1_LSTATUS), 0,
		 "phy_write_mmd(PMAPMD, STAT1) via write_mmd");
	if (use_irq)
		raise_irq(e, 1);
	CHECK(wait_link(phydev, 1), "genphy_c45_read_link: link up from PMAPMD STAT1, BMSR down");
	phy_write_mmd(phydev, MDIO_MMD_PMAPMD, MDIO_STAT1, 0);
	if (use_irq)
		raise_irq(e, 1);
	CHECK(wait_link(phydev, 0), "genphy_c45_read_link: link down");

	/* back to a plain link up for the following tests */
	reg_set(e, VSTAT, VSTAT_SPEED100 | VSTAT_FULL);
	set_lpa(e, LPA_100FULL | LPA_LPACK);
	CHECK(link_event(e, true), "link up (vendor mode)");
}

static void test_aneg(struct emul *e)
{
	struct phy_device *phydev = e->phydev;
	unsigned int restarts;
	u16 bmcr;
	int ret;

	mutex_lock(&phydev->lock);
	ret = phy_aneg_done(phydev);
	mutex_unlock(&phydev->lock);
	/* genphy_aneg_done() returns BMSR & BMSR_ANEGCOMPLETE, not 1 */
	CHECK(ret > 0, "aneg_done (genphy_aneg_done) > 0 with BMSR.ANEGCOMPLETE (got %d)", ret);
	set_bmsr(e, true, false);
	mutex_lock(&phydev->lock);
	ret = phy_aneg_done(phydev);
	mutex_unlock(&phydev->lock);
	CHECK_EQ(ret, 0, "aneg_done = 0 without BMSR.ANEGCOMPLETE");
	set_bmsr(e, true, true);

	/* forced mode: config_aneg takes the genphy_setup_forced branch */
	mutex_lock(&phydev->lock);
	phydev->autoneg = AUTONEG_DISABLE;
	phydev->speed = SPEED_10;
	phydev->duplex = DUPLEX_HALF;
	mutex_unlock(&phydev->lock);
	CHECK_EQ(phy_start_aneg(phydev), 0, "phy_start_aneg, forced 10/half");
	bmcr = reg_get(e, MII_BMCR);
	CHECK(!(bmcr & (BMCR_ANENABLE | BMCR_SPEED100 | BMCR_FULLDPLX)),
	      "genphy_setup_forced wrote BMCR for 10/half (0x%04x)", bmcr);
	mutex_lock(&phydev->lock);
	phydev->speed = SPEED_100;
	phydev->duplex = DUPLEX_FULL;
	mutex_unlock(&phydev->lock);
	phy_start_aneg(phydev);
	bmcr = reg_get(e, MII_BMCR);
	CHECK((bmcr & (BMCR_ANENABLE | BMCR_SPEED100 | BMCR_FULLDPLX)) ==
	      (BMCR_SPEED100 | BMCR_FULLDPLX),
	      "genphy_setup_forced wrote BMCR for 100/full (0x%04x)", bmcr);

	restarts = counter(e, &e->phys[0].anrestarts);
	mutex_lock(&phydev->lock);
	phydev->autoneg = AUTONEG_ENABLE;
	mutex_unlock(&phydev->lock);
	CHECK_EQ(phy_start_aneg(phydev), 0, "phy_start_aneg, autoneg again");
	bmcr = reg_get(e, MII_BMCR);
	CHECK((bmcr & BMCR_ANENABLE) && counter(e, &e->phys[0].anrestarts) > restarts,
	      "genphy_config_aneg enabled and restarted autoneg (BMCR=0x%04x)", bmcr);
}

static void test_mmd_and_pages(struct emul *e)
{
	struct phy_device *phydev = e->phydev;
	unsigned int indirect = counter(e, &e->phys[0].mmd_indirect);
	int old, cur, ret;

	CHECK_EQ(phy_write_mmd(phydev, MDIO_MMD_VEND1, 3, 0xbeef), 0, "phy_write_mmd(VEND1.3) via write_mmd");
	CHECK_EQ(phy_read_mmd(phydev, MDIO_MMD_VEND1, 3), 0xbeef, "phy_read_mmd(VEND1.3) via read_mmd");
	CHECK_EQ(phy_read_mmd(phydev, MDIO_MMD_VEND1, 100), -EINVAL, "read_mmd error reaches phylib (-EINVAL)");
	CHECK_EQ(phy_write_mmd(phydev, MDIO_MMD_AN, 5, 1), -EOPNOTSUPP, "write_mmd error reaches phylib (-EOPNOTSUPP)");
	CHECK_EQ(counter(e, &e->phys[0].mmd_indirect), indirect,
		 "no Clause 22 indirect MMD access: the Rust callbacks served them");

	old = phy_select_page(phydev, 5);
	cur = old >= 0 ? phydev->drv->read_page(phydev) : old;
	ret = phy_restore_page(phydev, old, 0);
	CHECK(old == 0 && cur == 5 && ret == 0,
	      "phy_select_page(5): read_page/write_page (old %d, now %d, restore %d)", old, cur, ret);
	old = phy_save_page(phydev);
	phy_restore_page(phydev, old, 0);
	CHECK_EQ(old, 0, "phy_restore_page restored page 0 via write_page");
	CHECK_EQ(phy_read_paged(phydev, 7, VPAGED), 0x1234, "phy_read_paged(7, VPAGED)");
}

static void test_loopback(struct emul *e)
{
	struct phy_device *phydev = e->phydev;
	u16 vaneg = reg_get(e, VANEG);

	CHECK_EQ(phy_loopback(phydev, true), 0, "phy_loopback(on) via set_loopback");
	CHECK(reg_get(e, MII_BMCR) & BMCR_LOOPBACK, "set_loopback set BMCR.LOOPBACK (Device::set_bits)");
	CHECK_EQ(phy_loopback(phydev, false), 0, "phy_loopback(off)");
	CHECK(!(reg_get(e, MII_BMCR) & BMCR_LOOPBACK), "set_loopback cleared BMCR.LOOPBACK (Device::clear_bits)");
	CHECK(reg_get(e, VANEG) != vaneg, "set_loopback(off) restarted aneg via Device::start_aneg (config_aneg ran)");
}

static void test_wol_rate(struct emul *e)
{
	struct phy_device *phydev = e->phydev;
	struct ethtool_wolinfo wol = { .cmd = ETHTOOL_SWOL, .wolopts = WAKE_MAGIC };

	CHECK_EQ(phy_ethtool_set_wol(phydev, &wol), 0, "set_wol(WAKE_MAGIC)");
	CHECK_EQ(reg_get(e, VWOL), WAKE_MAGIC, "set_wol wrote VWOL");
	memset(&wol, 0, sizeof(wol));
	phy_ethtool_get_wol(phydev, &wol);
	CHECK(wol.supported == WAKE_MAGIC && wol.wolopts == WAKE_MAGIC,
	      "get_wol reports supported=magic wolopts=magic (0x%x 0x%x)", wol.supported, wol.wolopts);
	wol.wolopts = WAKE_PHY;
	CHECK_EQ(phy_ethtool_set_wol(phydev, &wol), -EOPNOTSUPP, "set_wol(WAKE_PHY) is refused");
	wol.wolopts = 0;
	CHECK_EQ(phy_ethtool_set_wol(phydev, &wol), 0, "set_wol(0)");

	CHECK_EQ(phy_get_rate_matching(phydev, PHY_INTERFACE_MODE_10GBASER), RATE_MATCH_PAUSE,
		 "get_rate_matching(10GBASER) = RATE_MATCH_PAUSE");
	CHECK_EQ(phy_get_rate_matching(phydev, PHY_INTERFACE_MODE_SGMII), RATE_MATCH_NONE,
		 "get_rate_matching(SGMII) = RATE_MATCH_NONE");
}

/* Wait (up to 10 s) until the state machine has left PHY_CABLETEST. */
static bool wait_cable_test_done(struct phy_device *phydev)
{
	unsigned long timeout = jiffies + 10 * HZ;
	bool done;

	do {
		phy_trigger_machine(phydev);
		msleep(20);
		mutex_lock(&phydev->lock);
		done = phydev->state != PHY_CABLETEST;
		mutex_unlock(&phydev->lock);
	} while (!done && time_before(jiffies, timeout));
	return done;
}

/* Cable tests through phylib (what `ethtool --cable-test` calls): start,
 * then the state machine polls cable_test_get_status until it reports
 * finished, sends the netlink notification and renegotiates.
 */
static void test_cable(struct emul *e)
{
	struct phy_device *phydev = e->phydev;
	struct phy_tdr_config tdr = { .first = 100, .last = 200, .step = 10, .pair = PHY_PAIR_ALL };
	int ret;

	ret = phy_start_cable_test(phydev, NULL);
	CHECK(ret == 0 && reg_get(e, VCT) == 1 && phydev->state == PHY_CABLETEST,
	      "phy_start_cable_test: cable_test_start ran (ret %d, VCT=0x%x)", ret, reg_get(e, VCT));
	CHECK(wait_cable_test_done(phydev) && reg_get(e, VCT) == 0,
	      "state machine: cable_test_get_status reported finished");
	CHECK(wait_link(phydev, 1), "link up again after the cable test");

	ret = phy_start_cable_test_tdr(phydev, NULL, &tdr);
	CHECK(ret == 0 && reg_get(e, VCT) == 0x10a,
	      "phy_start_cable_test_tdr: cable_test_tdr_start got the config (ret %d, VCT=0x%x)",
	      ret, reg_get(e, VCT));
	CHECK(wait_cable_test_done(phydev) && reg_get(e, VCT) == 0,
	      "state machine: TDR test finished");
	CHECK(wait_link(phydev, 1), "link up again after the TDR test");
}

/* Callbacks that only ethtool netlink (or the LED class with DT LEDs)
 * reaches: called directly, with phydev->lock held as phylib would.
 */
static void test_direct(struct emul *e)
{
	struct phy_device *phydev = e->phydev;
	const struct phy_driver *drv = phydev->drv;
	struct ethtool_eth_phy_stats eth_stats = {};
	struct ethtool_phy_stats stats = {};
	struct ethtool_link_ext_stats link_stats = {};
	struct ethtool_modinfo modinfo = {};
	struct phy_plca_cfg plca = {};
	struct phy_plca_status plca_st = {};
	unsigned long on = 1000, off = 1000, rules = 0;
	int sqi, sqi_max, sset, r1, r2, r3;

	reg_set(e, VSQI, 0x0305);
	mutex_lock(&phydev->lock);
	sqi = drv->get_sqi(phydev);
	sqi_max = drv->get_sqi_max(phydev);
	sset = drv->get_sset_count(phydev);
	drv->get_phy_stats(phydev, &eth_stats, &stats);
	drv->get_link_stats(phydev, &link_stats);
	mutex_unlock(&phydev->lock);
	CHECK(sqi == 5 && sqi_max == 7, "direct: get_sqi=5 get_sqi_max=7 (got %d %d)", sqi, sqi_max);
	CHECK_EQ(sset, 2, "direct: get_sset_count");
	pr_info("# phy_ethtool_get_sset_count() = %d: phylib needs get_strings and get_stats too, which are not wired\n",
		phy_ethtool_get_sset_count(phydev));
	CHECK(eth_stats.SymbolErrorDuringCarrier == 1003 && stats.rx_packets == 42 &&
	      stats.rx_errors == 3, "direct: get_phy_stats filled both structs");
	CHECK(link_stats.link_down_events >= 1, "direct: get_link_stats counted %llu link-down events",
	      link_stats.link_down_events);

	modinfo.cmd = ETHTOOL_GMODULEINFO;
	r1 = drv->module_info(phydev, &modinfo); /* ethtool calls it without the PHY lock */
	CHECK(r1 == 0 && modinfo.type == ETH_MODULE_SFF_8079 &&
	      modinfo.eeprom_len == ETH_MODULE_SFF_8079_LEN, "direct: module_info");

	plca.node_id = 7;
	plca.enabled = 1;
	mutex_lock(&phydev->lock);
	r1 = drv->set_plca_cfg(phydev, &plca);
	memset(&plca, 0, sizeof(plca));
	r2 = drv->get_plca_cfg(phydev, &plca);
	r3 = drv->get_plca_status(phydev, &plca_st);
	mutex_unlock(&phydev->lock);
	CHECK(!r1 && !r2 && !r3 && plca.node_id == 7 && plca.enabled == 1 && plca.version == 0x0a10 &&
	      plca_st.pst, "direct: set_plca_cfg/get_plca_cfg/get_plca_status round trip");
	plca.node_id = 300;
	mutex_lock(&phydev->lock);
	r1 = drv->set_plca_cfg(phydev, &plca);
	mutex_unlock(&phydev->lock);
	CHECK_EQ(r1, -EINVAL, "direct: set_plca_cfg refuses node_id 300");

	mutex_lock(&phydev->lock);
	r1 = drv->led_brightness_set(phydev, 0, LED_FULL);
	r2 = reg_get(e, VLED);
	r3 = drv->led_brightness_set(phydev, 1, LED_FULL);
	mutex_unlock(&phydev->lock);
	CHECK(r1 == 0 && r2 == 0xff && r3 == -EINVAL, "direct: led_brightness_set");
	mutex_lock(&phydev->lock);
	r1 = drv->led_blink_set(phydev, 0, &on, &off);
	mutex_unlock(&phydev->lock);
	CHECK(r1 == 0 && on == 250 && off == 250 && reg_get(e, VLED) == 0x100,
	      "direct: led_blink_set rewrote the delays to 250/250");
	mutex_lock(&phydev->lock);
	r1 = drv->led_hw_is_supported(phydev, 0, 0x3);
	r2 = drv->led_hw_is_supported(phydev, 0, 0x100);
	mutex_unlock(&phydev->lock);
	CHECK(r1 == 0 && r2 == -EOPNOTSUPP, "direct: led_hw_is_supported");
	mutex_lock(&phydev->lock);
	r1 = drv->led_hw_control_set(phydev, 0, 0x5);
	r2 = drv->led_hw_control_get(phydev, 0, &rules);
	r3 = drv->led_polarity_set(phydev, 0, 0x3);
	mutex_unlock(&phydev->lock);
	CHECK(r1 == 0 && r2 == 0 && rules == 0x5, "direct: led_hw_control_set/get round trip");
	CHECK(r3 == 0 && reg_get(e, VLED) == 0x203, "direct: led_polarity_set");
}

static void test_suspend_resume(struct emul *e)
{
	struct phy_device *phydev = e->phydev;
	unsigned int restarts, resets;
	u16 vimr;

	phy_stop(phydev);
	CHECK(phydev->state == PHY_HALTED && !phydev->link && e->adjust_link == 0,
	      "phy_stop: HALTED, link down reported");
	CHECK_EQ(phy_suspend(phydev), 0, "phy_suspend");
	CHECK((reg_get(e, MII_BMCR) & BMCR_PDOWN) && reg_get(e, VSUSP) == 1 && phydev->suspended,
	      "suspend: genphy_suspend set BMCR.PDOWN, VSUSP=1");

	reg_set(e, VCFG, 0); /* the PHY lost power */
	restarts = counter(e, &e->phys[0].anrestarts);
	resets = counter(e, &e->phys[0].resets);
	vimr = reg_get(e, VIMR);
	CHECK_EQ(phy_resume(phydev), 0, "phy_resume");
	CHECK(!(reg_get(e, MII_BMCR) & BMCR_PDOWN) && reg_get(e, VSUSP) == 0 && !phydev->suspended,
	      "resume: genphy_resume cleared BMCR.PDOWN, VSUSP=0");
	CHECK(counter(e, &e->phys[0].resets) > resets && reg_get(e, VCFG) == CFG_MAGIC &&
	      reg_get(e, VIMR) != vimr,
	      "resume: Device::init_hw ran soft_reset, config_init, config_intr");
	CHECK(counter(e, &e->phys[0].anrestarts) > restarts, "resume: genphy_restart_aneg");

	phy_start(phydev);
	if (e->irq > 0 && phy_interrupt_is_valid(phydev))
		raise_irq(e, 1);
	CHECK(wait_link(phydev, 1), "phy_start after resume: link up again");
}

static void run_full_tests(struct emul *e)
{
	test_sample_probe(e);
	if (connect(e))
		return;
	test_after_connect(e);
	test_start_and_link(e);
	test_aneg(e);
	test_mmd_and_pages(e);
	test_loopback(e);
	test_wol_rate(e);
	test_cable(e);
	test_direct(e);
	test_suspend_resume(e);
}

static void run_quick_tests(struct emul *e)
{
	if (connect(e))
		return;
	set_bmsr(e, false, false);
	phy_start(e->phydev);
	set_lpa(e, LPA_100FULL | LPA_LPACK);
	reg_set(e, VSTAT, VSTAT_SPEED100 | VSTAT_FULL);
	CHECK(link_event(e, true), "link up");
	CHECK(e->phydev->speed == SPEED_100 && e->phydev->duplex == DUPLEX_FULL,
	      "speed/duplex 100/full (got %d/%d)", e->phydev->speed, e->phydev->duplex);
	CHECK(link_event(e, false), "link down");
	phy_stop(e->phydev);
}

/* ---- set-up and tear-down ---- */

static int emul_probe(struct platform_device *pdev)
{
	struct emul *e;
	int err, i;

	e = kzalloc(sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	spin_lock_init(&e->lock);
	e->pdev = pdev;
	e->phys[0].addr = ADDR_MAIN;
	e->phys[1].addr = quick ? -1 : ADDR_OTHER;
	for (i = 0; i < NPHY; i++)
		phy_defaults(&e->phys[i], false);

	e->irq = -1;
	if (use_irq) {
		e->irq = irq_line_create();
		if (e->irq < 0) {
			err = e->irq;
			goto err_free;
		}
	}

	e->bus = mdiobus_alloc();
	if (!e->bus) {
		err = -ENOMEM;
		goto err_irq;
	}
	e->bus->name = "kgen emulated MDIO bus";
	snprintf(e->bus->id, MII_BUS_ID_SIZE, BUS_ID);
	e->bus->read = emul_read;
	e->bus->write = emul_write;
	e->bus->priv = e;
	e->bus->parent = &pdev->dev;
	e->bus->phy_mask = ~(BIT(ADDR_MAIN) | (quick ? 0 : BIT(ADDR_OTHER)));
	if (e->irq > 0)
		e->bus->irq[ADDR_MAIN] = e->irq;

	e->ndev = alloc_netdev(0, "kgenemul%d", NET_NAME_ENUM, ether_setup);
	if (!e->ndev) {
		err = -ENOMEM;
		goto err_bus;
	}
	e->ndev->netdev_ops = &emul_netdev_ops;
	eth_hw_addr_random(e->ndev);
	SET_NETDEV_DEV(e->ndev, &pdev->dev);
	err = register_netdev(e->ndev);
	if (err)
		goto err_netdev;

	/* Probes the PHYs: phylib binds the Rust driver here. */
	err = mdiobus_register(e->bus);
	if (err)
		goto err_unregister_netdev;

	platform_set_drvdata(pdev, e);
	E = e;
	return 0;

err_unregister_netdev:
	unregister_netdev(e->ndev);
err_netdev:
	free_netdev(e->ndev);
err_bus:
	mdiobus_free(e->bus);
err_irq:
	if (e->irq > 0)
		irq_free_desc(e->irq);
err_free:
	kfree(e);
	return err;
}

static void emul_remove(struct platform_device *pdev)
{
	struct emul *e = platform_get_drvdata(pdev);
	bool sample = !quick && !strcmp(expect_drv, SAMPLE_DRV);

	if (e->phydev && e->phydev->attached_dev) {
		phy_disconnect(e->phydev);
		if (sample)
			CHECK(reg_get(e, VSUSP) == 1 && (reg_get(e, MII_BMCR) & BMCR_PDOWN),
			      "phy_disconnect suspended the PHY (suspend callback)");
	}
	unregister_netdev(e->ndev);
	free_netdev(e->ndev);
	mdiobus_unregister(e->bus);
	if (sample)
		CHECK_EQ(reg_get(e, VREMOVE), REMOVE_MAGIC, "remove wrote VREMOVE on mdiobus_unregister");
	mdiobus_free(e->bus);
	if (e->irq > 0)
		irq_free_desc(e->irq);
	kfree(e);
	E = NULL;
}

static struct platform_driver emul_driver = {
	.probe = emul_probe,
	.remove = emul_remove,
	.driver = { .name = DRV_NAME },
};

static struct platform_device *emul_pdev;

static int __init emul_init(void)
{
	int err;

	strreplace(expect_drv, '_', ' ');
	if (leak_bytes) {
		void *p = kmalloc(leak_bytes, GFP_KERNEL);

		pr_warn("leaking %u bytes at %p on purpose (leak_bytes)\n", leak_bytes, p);
	}

	if (ktap) {
		char what[96];

		snprintf(what, sizeof(what),
			 "kgen net/phy runtime tests, PHY 0x%08x at " BUS_ID ":%02x%s",
			 phy_id, ADDR_MAIN, quick ? " (quick)" : "");
		ktap_begin(what);
	}
	err = platform_driver_register(&emul_driver);
	if (err)
		return err;
	emul_pdev = platform_device_register_simple(DRV_NAME, PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(emul_pdev)) {
		platform_driver_unregister(&emul_driver);
		return PTR_ERR(emul_pdev);
	}
	CHECK(E, "platform device bound, MDIO bus " BUS_ID " registered");
	if (!E)
		goto fail;

	test_probe(E);
	if (!E->phydev || !E->phydev->drv || strcmp(E->phydev->drv->name, expect_drv))
		goto fail;
	if (quick)
		run_quick_tests(E);
	else
		run_full_tests(E);
	if (quick && !ktap && failures)
		goto fail;
	ktap_end();
	return 0;

fail:
	/* With KTAP, keep the module: the results speak, and the remaining
	 * ones print at exit. (A failing init would also run twice: busybox's
	 * insmod retries with init_module() after finit_module() fails.)
	 */
	if (!quick || ktap) {
		ktap_end();
		return 0;
	}
	platform_device_unregister(emul_pdev);
	platform_driver_unregister(&emul_driver);
	return -EIO;
}

static void __exit emul_exit(void)
{
	bool checks = E && !quick && !strcmp(expect_drv, SAMPLE_DRV);

	if (checks)
		ktap_begin("module exit: disconnect and remove");
	platform_device_unregister(emul_pdev);
	platform_driver_unregister(&emul_driver);
	if (checks)
		ktap_end();
	if (ktap || failures)
		pr_info("# %s: %d tests, %d failed\n", prefix, tests_total, failures);
}

module_init(emul_init);
module_exit(emul_exit);
MODULE_DESCRIPTION("kgen test harness: software MDIO bus emulating a PHY for the Rust sample driver");
MODULE_LICENSE("GPL");
