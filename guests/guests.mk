# guests/guests.mk: build, check and bench rules for guests/ (included by the top Makefile).
