#ifndef GATEHOUSE_CQRENCODE_SHIM_H
#define GATEHOUSE_CQRENCODE_SHIM_H
// Debian libqrencode: the QR code on the TOTP enrollment page (never a hand-written encoder).
#include <qrencode.h>
#endif
