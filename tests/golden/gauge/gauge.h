/* Golden test header for accessors in the manner of PCI config space: the
 * value is written through an out parameter, and the status is a code of the
 * subsystem's own that a static inline maps to an errno. */
typedef unsigned short u16;

#define GAUGE_OK 0
#define GAUGE_BAD_REGISTER 0x87

struct gauge {
	int level;
};

/**
 * gauge_status_to_errno - map a GAUGE_* status to an errno
 * @status: the status
 *
 * Return: 0, or a negative errno.
 */
static inline int gauge_status_to_errno(int status)
{
	return status == GAUGE_OK ? 0 : -14;
}

/**
 * gauge_read - read a register of a gauge
 * @g: the gauge
 * @where: the register's offset
 * @val: where the value goes
 *
 * Return: a GAUGE_* status.
 */
int gauge_read(const struct gauge *g, int where, u16 *val);

/**
 * gauge_write - write a register of a gauge
 * @g: the gauge
 * @where: the register's offset
 * @val: the value
 *
 * Return: a GAUGE_* status.
 */
int gauge_write(const struct gauge *g, int where, u16 val);
