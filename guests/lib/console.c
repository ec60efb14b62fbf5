/*
 * console.c: the guest console on COM1, a polled 16550 UART (klib's
 * uart.c, the same driver hv uses). We never enable UART interrupts.
 */
#include "console.h"
#include "spinlock.h"
#include "include/klib/uart.h"

static struct spinlock console_lock;

void console_init(void)
{
	uart_init(UART_COM1);
}

void console_write(const char *s, size_t len)
{
	spin_lock(&console_lock);
	uart_write(UART_COM1, s, len);
	spin_unlock(&console_lock);
}

/* Wait (bounded) until every byte has left the UART, e.g. before exiting. */
void console_flush(void)
{
	uart_flush(UART_COM1);
}

int printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	console_write(buf, (size_t)n);
	return n;
}
