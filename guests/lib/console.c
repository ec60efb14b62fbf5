/*
 * console.c: polled 16550 UART on COM1. We never enable UART interrupts:
 * each byte waits for the Transmit Holding Register Empty bit (LSR bit 5).
 */
#include "console.h"
#include "io.h"
#include "spinlock.h"

#define COM1     0x3f8
#define UART_THR 0   /* transmit holding register (DLAB = 0) */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THRE 0x20   /* transmit holding register empty */
#define LSR_TEMT 0x40   /* transmitter empty: the last byte has left */

static struct spinlock console_lock;

void console_init(void)
{
	outb(COM1 + UART_IER, 0x00);    /* no interrupts */
	outb(COM1 + UART_LCR, 0x80);    /* DLAB on: set the divisor */
	outb(COM1 + 0, 0x01);           /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + UART_LCR, 0x03);    /* 8N1, DLAB off */
	outb(COM1 + UART_FCR, 0x07);    /* FIFO on, cleared */
	outb(COM1 + UART_MCR, 0x03);    /* DTR, RTS */
}

static void uart_putc(char c)
{
	/* Bounded wait: a UART that never drains must not hang the guest. */
	for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1 + UART_THR, (u8)c);
}

void console_write(const char *s, size_t len)
{
	spin_lock(&console_lock);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
	spin_unlock(&console_lock);
}

/* Wait (bounded) until every byte has left the UART, e.g. before exiting. */
void console_flush(void)
{
	for (int i = 0; i < 1000000 && !(inb(COM1 + UART_LSR) & LSR_TEMT); i++)
		cpu_relax();
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
