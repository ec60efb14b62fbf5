/*
 * uart.h: a polled 16550 UART, the serial console of hv and of the guests
 * (both write COM1, 0x3f8: hv passes the port through to the guest). No
 * interrupts, no receive; locking is the caller's (hv/core/console.c and
 * guests/lib/console.c each keep one whole message together).
 */
#ifndef KLIB_UART_H
#define KLIB_UART_H

#include "include/hvlab/types.h"

#define UART_COM1 0x3f8

/* 115200 baud 8N1, FIFOs on and cleared, interrupts off. */
void uart_init(u16 base);
/* The bytes in order, "\n" sent as "\r\n" (a terminal's new line). Each
 * byte waits for room in the transmitter, but only so long: a UART that
 * never drains (no device at base) must not hang the caller. */
void uart_write(u16 base, const char *s, size_t n);
/* Wait (bounded) until the last byte has left, e.g. before the machine stops. */
void uart_flush(u16 base);

#endif
