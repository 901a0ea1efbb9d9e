#!/bin/sh
# A formatter that dies.
kill -9 $$
