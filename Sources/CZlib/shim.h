#ifndef VPCSIM_CZLIB_SHIM_H
#define VPCSIM_CZLIB_SHIM_H
#include <zlib.h>
#endif
