/* A small header written for kgen's golden test: one of everything the spec can wrap. */
#ifndef WIDGET_H
#define WIDGET_H

typedef unsigned short u16;
typedef unsigned int u32;
typedef int s32;
typedef _Bool bool;

#define WIDGET_F_FAST 0x1
#define WIDGET_F_SLOW (1 << 3)
#define WIDGET_REG_CTRL 0x00
#define WIDGET_REG_STAT 0x01
#define WIDGET_MODE_ON 1
#define WIDGET_MODE_OFF 0

/**
 * enum widget_state - where a widget is in its life
 * @WIDGET_IDLE: not started
 * @WIDGET_BUSY: working
 */
enum widget_state {
	WIDGET_IDLE,
	WIDGET_BUSY,
};

struct module;

/**
 * struct widget - a device that does one thing
 * @id: its identifier
 * @state: its state
 */
struct widget {
	u32 id;
	enum widget_state state;
	int speed;
	unsigned up:1;
	int mode;
};

/**
 * widget_reset - reset a widget
 * @w: the widget
 *
 * Puts the widget back in its first state.
 *
 * Return: 0 on success, a negative errno on failure.
 */
int __attribute__((warn_unused_result)) widget_reset(struct widget *w);

/**
 * widget_read - read a register
 * @w: the widget
 * @reg: register number
 *
 * Return: the value, or a negative errno.
 */
static inline int widget_read(struct widget *w, u32 reg)
{
	return (int)(reg + w->id);
}

void widget_poke(struct widget *w);

/* A function-like macro called as a method: kgen types its helper from the spec. */
#define widget_has_flag(w, flag) (((w)->id & (flag)) != 0)

/**
 * widget_find - find a sibling widget
 * @w: the widget
 * @id: the sibling's id
 *
 * Return: the sibling with a reference taken, or an ERR_PTR.
 */
struct widget *widget_find(struct widget *w, int id);
/* The next widget with a reference taken, or NULL. */
struct widget *widget_next(struct widget *w);

void widget_get(struct widget *w);
void widget_put(struct widget *w);

void __widget_lock(struct widget *w);
void __widget_unlock(struct widget *w);
static inline void widget_lock(struct widget *w) { __widget_lock(w); }
static inline void widget_unlock(struct widget *w) { __widget_unlock(w); }

/**
 * __widget_read_locked - read a register with the widget locked
 * @w: the widget
 * @reg: register number
 *
 * Context: the caller holds the widget lock.
 * Return: the value, or a negative errno.
 */
static inline int __widget_read_locked(struct widget *w, u32 reg)
{
	return (int)reg;
}

struct widget_ops {
	const char *name;
	u32 flags;
	/** @start: Called to start the widget */
	int (*start)(struct widget *w);
	/** @get: Reads a value */
	int (*get)(struct widget *w, int idx);
	void (*stop)(struct widget *w);
	/** @dump: Fills a buffer */
	void (*dump)(struct widget *w, char *buf);
};

int widget_ops_register(struct widget_ops *ops, int n, struct module *owner);
void widget_ops_unregister(struct widget_ops *ops, int n);

#endif
