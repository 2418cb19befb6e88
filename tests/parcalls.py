"""MS-PAR methods impacket does not define, as impacket NDRCALLs written from the MS-PAR IDL
(appendix A): the client side the wire tests and the network tests both use."""

from __future__ import annotations

from impacket.dcerpc.v5 import rprn
from impacket.dcerpc.v5.dtypes import DWORD, LPWSTR, ULONG
from impacket.dcerpc.v5.ndr import NDRCALL, NDRPOINTER, NDRSTRUCT, NDRUNION


class DOC_INFO_1(NDRSTRUCT):
    structure = (("pDocName", LPWSTR), ("pOutputFile", LPWSTR), ("pDatatype", LPWSTR))


class PDOC_INFO_1(NDRPOINTER):
    referent = (("Data", DOC_INFO_1),)


class DOC_INFO_UNION(NDRUNION):
    commonHdr = (("tag", ULONG),)
    union = {1: ("pDocInfo1", PDOC_INFO_1)}  # noqa: RUF012


class DOC_INFO_CONTAINER(NDRSTRUCT):
    structure = (("Level", DWORD), ("DocInfo", DOC_INFO_UNION))


class RpcAsyncStartDocPrinter(NDRCALL):
    opnum = 10
    structure = (("hPrinter", rprn.PRINTER_HANDLE), ("pDocInfoContainer", DOC_INFO_CONTAINER))


class RpcAsyncStartDocPrinterResponse(NDRCALL):
    structure = (("pJobId", DWORD), ("ErrorCode", ULONG))


class RpcAsyncWritePrinter(NDRCALL):
    opnum = 12
    structure = (("hPrinter", rprn.PRINTER_HANDLE), ("pBuf", rprn.BYTE_ARRAY), ("cbBuf", DWORD))


class RpcAsyncWritePrinterResponse(NDRCALL):
    structure = (("pcWritten", DWORD), ("ErrorCode", ULONG))


class RpcAsyncGetPrinter(NDRCALL):
    opnum = 9
    structure = (
        ("hPrinter", rprn.PRINTER_HANDLE),
        ("Level", DWORD),
        ("pPrinter", rprn.PBYTE_ARRAY),
        ("cbBuf", DWORD),
    )


class RpcAsyncGetPrinterResponse(NDRCALL):
    structure = (("pPrinter", rprn.PBYTE_ARRAY), ("pcbNeeded", DWORD), ("ErrorCode", ULONG))


class RpcAsyncEndDocPrinter(NDRCALL):
    opnum = 14
    structure = (("hPrinter", rprn.PRINTER_HANDLE),)


class RpcAsyncEndDocPrinterResponse(NDRCALL):
    structure = (("ErrorCode", ULONG),)


class RpcAsyncEnumForms(NDRCALL):
    opnum = 25
    structure = (
        ("hPrinter", rprn.PRINTER_HANDLE),
        ("Level", DWORD),
        ("pForm", rprn.PBYTE_ARRAY),
        ("cbBuf", DWORD),
    )


class RpcAsyncEnumFormsResponse(NDRCALL):
    structure = (
        ("pForm", rprn.PBYTE_ARRAY),
        ("pcbNeeded", DWORD),
        ("pcReturned", DWORD),
        ("ErrorCode", ULONG),
    )


class RpcAsyncGetJob(NDRCALL):
    opnum = 3
    structure = (
        ("hPrinter", rprn.PRINTER_HANDLE),
        ("JobId", DWORD),
        ("Level", DWORD),
        ("pJob", rprn.PBYTE_ARRAY),
        ("cbBuf", DWORD),
    )


class RpcAsyncGetJobResponse(NDRCALL):
    structure = (("pJob", rprn.PBYTE_ARRAY), ("pcbNeeded", DWORD), ("ErrorCode", ULONG))
