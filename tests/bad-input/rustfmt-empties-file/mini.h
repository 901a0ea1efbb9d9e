/* A header for kgen's bad-input corpus. */
struct mini {
	int id;
};
int mini_reset(struct mini *m);
