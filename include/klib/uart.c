/*
 * uart.c: the polled 16550 UART of uart.h (registers: the National
 * Semiconductor PC16550D data sheet; offsets from the base port).
 */
#include "include/klib/uart.h"
#include "include/klib/insn.h"

#define UART_THR  0     /* transmit holding register (DLAB = 0) */
#define UART_DLL  0     /* divisor latch, low byte (DLAB = 1) */
#define UART_IER  1     /* interrupt enable (DLAB = 0) */
#define UART_DLM  1     /* divisor latch, high byte (DLAB = 1) */
#define UART_FCR  2     /* FIFO control (write) */
#define UART_LCR  3     /* line control */
#define UART_MCR  4     /* modem control */
#define UART_LSR  5     /* line status */

#define LCR_DLAB  0x80  /* the first two registers are the divisor latch */
#define LCR_8N1   0x03
#define FCR_ON    0x07  /* FIFOs on, both cleared */
#define MCR_DTR_RTS 0x03
#define LSR_THRE  0x20  /* transmit holding register empty: room for a byte */
#define LSR_TEMT  0x40  /* transmitter empty: the last byte has left */

#define THRE_SPINS 100000   /* a few ms at most per byte, then send anyway */
#define TEMT_SPINS 1000000

void uart_init(u16 base)
{
	outb(base + UART_IER, 0x00);
	outb(base + UART_LCR, LCR_DLAB);
	outb(base + UART_DLL, 0x01);        /* 115200 / 1 */
	outb(base + UART_DLM, 0x00);
	outb(base + UART_LCR, LCR_8N1);     /* and DLAB off */
	outb(base + UART_FCR, FCR_ON);
	outb(base + UART_MCR, MCR_DTR_RTS);
}

static void uart_putc(u16 base, char c)
{
	for (int i = 0; i < THRE_SPINS && !(inb(base + UART_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(base + UART_THR, (u8)c);
}

void uart_write(u16 base, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc(base, '\r');
		uart_putc(base, s[i]);
	}
}

void uart_flush(u16 base)
{
	for (int i = 0; i < TEMT_SPINS && !(inb(base + UART_LSR) & LSR_TEMT); i++)
		cpu_relax();
}
