/* Golden test header for the blk-mq shaped features: a request type whose
 * private data the driver decides, an ops table with unnamed parameters, a
 * member under #ifdef, a status return and bookkeeping callbacks. */
#include <stdbool.h>

/* Stands in for the tree's include/generated/autoconf.h. */
#define CONFIG_QUEUE_DEBUG 1

typedef int qstatus_t;

struct queue_req {
	int tag;
	unsigned long long pos;
};

struct queue_hw {
	unsigned int index;
};

struct queue_data {
	struct queue_req *rq;
	bool last;
};

struct queue_set {
	int depth;
};

/**
 * enum queue_timer - what to do with a request that timed out
 * @QUEUE_TIMER_DONE: the driver completed it
 * @QUEUE_TIMER_RESET: wait again
 */
enum queue_timer {
	QUEUE_TIMER_DONE,
	QUEUE_TIMER_RESET,
};

/**
 * struct queue_ops - a driver's queue callbacks
 */
struct queue_ops {
	/**
	 * @queue: Queue a request.
	 */
	qstatus_t (*queue)(struct queue_hw *, const struct queue_data *);
	/**
	 * @commit: Kick the hardware.
	 */
	void (*commit)(struct queue_hw *);
	/**
	 * @init_request: Set up a request's private data.
	 */
	int (*init_request)(struct queue_set *set, struct queue_req *, unsigned int);
	/**
	 * @timeout: A request timed out.
	 */
	enum queue_timer (*timeout)(struct queue_req *);
#ifdef CONFIG_QUEUE_DEBUG
	/**
	 * @show: Describe a request.
	 */
	void (*show)(struct queue_req *rq);
#endif
	/**
	 * @busy: Ask whether the queue is busy.
	 */
	bool (*busy)(void *);
};

/**
 * queue_req_pos() - the first sector of a request
 * @rq: the request
 *
 * Return: the sector.
 */
static inline unsigned long long queue_req_pos(const struct queue_req *rq)
{
	return rq->pos;
}
