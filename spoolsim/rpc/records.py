"""Model objects as ``*_INFO`` records: the field values each level reports.

Each function returns a mapping keyed by the field names of ``spoolsim.wire.info``; the wire layer
turns a list of them into the custom-marshaled buffer.
"""

from __future__ import annotations

from typing import Any

from spoolsim.model.constants import PrinterEnum
from spoolsim.model.drivers import Driver
from spoolsim.model.forms import Form
from spoolsim.model.jobs import Job
from spoolsim.model.ports import Monitor, Port
from spoolsim.model.printers import Printer
from spoolsim.model.server import PrintServer
from spoolsim.rpc.secdesc import encode_descriptor

Record = dict[str, Any]


def printer_info(server: PrintServer, p: Printer, level: int, now: float, prefix: str) -> Record:
    """PRINTER_INFO_``level`` for ``p``; ``prefix`` is ``\\\\SERVER\\`` for remote-style names."""
    name = prefix + p.name
    server_name = prefix.rstrip("\\") or None
    if level == 1:
        return {
            "Flags": PrinterEnum.ICON8,  # a printer, not a container or a provider
            "pDescription": f"{name},{p.driver_name},{p.location}",
            "pName": name,
            "pComment": p.comment,
        }
    if level == 2:
        return {
            "pServerName": server_name,
            "pPrinterName": name,
            "pShareName": p.share_name,
            "pPortName": p.port_name,
            "pDriverName": p.driver_name,
            "pComment": p.comment,
            "pLocation": p.location,
            "pDevMode": p.devmode,
            "pSepFile": p.sep_file,
            "pPrintProcessor": p.print_processor,
            "pDatatype": p.datatype,
            "pParameters": p.parameters,
            "pSecurityDescriptor": encode_descriptor(p.security),
            "Attributes": int(p.attributes),
            "Priority": p.priority,
            "DefaultPriority": p.default_priority,
            "StartTime": p.start_time,
            "UntilTime": p.until_time,
            "Status": int(p.full_status),
            "cJobs": len(p.queue),
            "AveragePPM": 0,
        }
    if level == 3:
        return {"pSecurityDescriptor": encode_descriptor(p.security)}
    if level == 4:
        return {"pPrinterName": name, "pServerName": server_name, "Attributes": int(p.attributes)}
    if level == 5:
        return {
            "pPrinterName": name,
            "pPortName": p.port_name,
            "Attributes": int(p.attributes),
            "DeviceNotSelectedTimeout": p.device_not_selected_timeout,
            "TransmissionRetryTimeout": p.transmission_retry_timeout,
        }
    if level == 6:
        return {"dwStatus": int(p.full_status)}
    if level == 7:
        return {"pszObjectGUID": p.object_guid or None, "dwAction": p.ds_action}
    if level == 8:
        return {"pDevMode": p.devmode}
    assert level == 0, level
    return {
        "pPrinterName": name,
        "pServerName": server_name,
        "cJobs": len(p.queue),
        "cTotalJobs": p.total_jobs,
        "cTotalBytes": p.total_bytes & 0xFFFFFFFF,
        "stUpTime": server.systemtime(p.created),
        "cTotalPagesPrinted": p.total_pages,
        "dwGetVersion": server.os_version[0]
        | server.os_version[1] << 8
        | server.os_version[2] << 16,
        "cSpooling": sum(1 for j in p.queue if server.jobs[j].phase.value == "spooling"),
        "dwNumberOfProcessors": 2,
        "dwHighPartTotalBytes": p.total_bytes >> 32,
        "Status": int(p.full_status),
        "wProcessorArchitecture": 9,
    }


def job_info(server: PrintServer, p: Printer, job: Job, level: int, now: float) -> Record:
    position = p.position(job.job_id)
    if level == 3:
        nxt = p.queue[position] if position < len(p.queue) else 0
        return {"JobId": job.job_id, "NextJobId": nxt, "Reserved": 0}
    common = {
        "JobId": job.job_id,
        "pPrinterName": p.name,
        "pMachineName": job.machine,
        "pUserName": job.user,
        "pDocument": job.document,
        "pDatatype": job.datatype,
        "pStatus": job.status_text,
        "Status": int(job.status),
        "Priority": job.priority,
        "Position": position,
        "TotalPages": job.total_pages,
        "PagesPrinted": job.pages_printed,
        "Submitted": server.systemtime(job.submitted),
    }
    if level == 1:
        return common
    common.update(
        {
            "pNotifyName": job.notify_name,
            "pPrintProcessor": job.print_processor,
            "pParameters": job.parameters,
            "pDriverName": job.driver_name,
            "pDevMode": job.devmode,
            "pSecurityDescriptor": None,
            "StartTime": job.start_time,
            "UntilTime": job.until_time,
            "Size": job.size & 0xFFFFFFFF,
            "Time": job.elapsed_ms(now),
        }
    )
    if level == 4:
        common["SizeHigh"] = job.size >> 32
    return common


def form_info(form: Form, level: int) -> Record:
    rec: Record = {
        "Flags": int(form.flags),
        "pName": form.name,
        "Size_cx": form.width,
        "Size_cy": form.height,
        "ImageableArea_left": form.left,
        "ImageableArea_top": form.top,
        "ImageableArea_right": form.right,
        "ImageableArea_bottom": form.bottom,
    }
    if level == 2:
        rec.update(
            {
                "pKeyword": form.keyword or form.name,
                "StringType": form.string_type,
                "pMuiDll": form.mui_dll,
                "dwResourceId": form.resource_id,
                "pDisplayName": form.display_name,
                "wLangID": form.lang_id,
            }
        )
    return rec


def driver_info(d: Driver, level: int) -> Record:
    if level == 1:
        return {"Name": d.name}
    rec: Record = {
        "cVersion": d.version,
        "Name": d.name,
        "Environment": d.environment,
        "DriverPath": d.driver_path,
        "DataFile": d.data_file,
        "ConfigFile": d.config_file,
    }
    if level == 2:
        return rec
    if level == 5:
        rec.update({"dwDriverAttributes": d.attributes, "dwConfigVersion": 0, "dwDriverVersion": 0})
        return rec
    if level == 101:
        del rec["DriverPath"], rec["DataFile"], rec["ConfigFile"]
        files = [(d.driver_path, 0), (d.config_file, 1), (d.data_file, 2)]
        files += [(d.help_file, 3)] if d.help_file else []
        files += [(f, 4) for f in d.dependent_files]
        rec["FileInfo"] = tuple((name, kind, 0) for name, kind in files)  # dwFileCount derived
    else:
        rec.update({"HelpFile": d.help_file, "DependentFiles": d.dependent_files})
    rec.update({"MonitorName": d.monitor_name, "DefaultDataType": d.default_datatype})
    if level == 3:
        return rec
    rec["szzPreviousNames"] = d.previous_names
    if level == 4:
        return rec
    rec.update(
        {
            "ftDriverDate": d.driver_date,
            "dwlDriverVersion": d.driver_version,
            "MfgName": d.manufacturer,
            "OEMUrl": d.oem_url,
            "HardwareID": d.hardware_id,
            "Provider": d.provider,
        }
    )
    if level in (6, 101):
        return rec
    rec.update(
        {
            "PrintProcessor": d.print_processor,
            "VendorSetup": d.vendor_setup,
            "szzColorProfiles": d.color_profiles,
            "InfPath": d.inf_path,
            "dwPrinterDriverAttributes": d.attributes,
            "szzCoreDependencies": d.core_dependencies,
            "ftMinInboxDriverVerDate": d.min_inbox_date,
            "dwlMinInboxDriverVerVersion": d.min_inbox_version,
        }
    )
    return rec


def port_info(port: Port, level: int) -> Record:
    if level == 1:
        return {"pPortName": port.name}
    return {
        "pPortName": port.name,
        "pMonitorName": port.monitor,
        "pDescription": port.description,
        "fPortType": int(port.port_type),
        "Reserved": 0,
    }


def monitor_info(mon: Monitor, level: int) -> Record:
    if level == 1:
        return {"pName": mon.name}
    return {"pName": mon.name, "pEnvironment": mon.environment, "pDLLName": mon.dll}
