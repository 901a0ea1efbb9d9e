/* A header written for kgen's drift tests; each case edits a copy of it. */
#ifndef GADGET_H
#define GADGET_H

typedef unsigned short u16;
typedef unsigned int u32;

#define GADGET_F_FAST 0x1
#define GADGET_F_SLOW 0x2
#define GADGET_REG_CTRL 0x00
#define GADGET_REG_STAT 0x01

/**
 * struct gadget - a device that does one thing
 * @id: its identifier
 * @speed: its speed
 */
struct gadget {
	u32 id;
	int speed;
};

/**
 * gadget_reset - reset a gadget
 * @g: the gadget
 *
 * Return: 0 on success, a negative errno on failure.
 */
int gadget_reset(struct gadget *g);

/**
 * gadget_read - read a register
 * @g: the gadget
 * @reg: register number
 *
 * Return: the value, or a negative errno.
 */
int gadget_read(struct gadget *g, u16 reg);

struct gadget_ops {
	const char *name;
	int (*start)(struct gadget *g);
	void (*stop)(struct gadget *g);
};

#endif
