# labs/labs.mk: build, check and bench rules for labs/ (included by the top Makefile).
