# trace/trace.mk: build, check and bench rules for trace/ (included by the top Makefile).
