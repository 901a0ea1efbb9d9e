struct simple { int x; };
int simple_reset(struct simple *s);
