"""Fulfillment models, one module per concept: carriers and their services as data, package
types, shipments (lines, packages), pick lists, tracking events and manifests."""

from fulfillment.models.carrier import Carrier, CarrierService, ServiceDestination, ServiceRate
from fulfillment.models.manifest import Manifest
from fulfillment.models.package_type import PackageType
from fulfillment.models.picking import OPEN_PICK_LIST_STATES, PickLine, PickList, PickListKind, PickListState
from fulfillment.models.return_parcel import (
    REPORTED_STATES,
    ReturnParcel,
    ReturnParcelEvent,
    ReturnParcelState,
)
from fulfillment.models.shipment import (
    CARRIER_STATES,
    FINAL_STATES,
    WAREHOUSE_STATES,
    LabelState,
    Package,
    PackageItem,
    Shipment,
    ShipmentLine,
    ShipmentState,
)
from fulfillment.models.tracking import TRACKED_STATES, ExceptionReason, TrackingEvent, TrackingSource

__all__ = [
    "CARRIER_STATES",
    "FINAL_STATES",
    "OPEN_PICK_LIST_STATES",
    "REPORTED_STATES",
    "TRACKED_STATES",
    "WAREHOUSE_STATES",
    "Carrier",
    "CarrierService",
    "ExceptionReason",
    "LabelState",
    "Manifest",
    "Package",
    "PackageItem",
    "PackageType",
    "PickLine",
    "PickList",
    "PickListKind",
    "PickListState",
    "ReturnParcel",
    "ReturnParcelEvent",
    "ReturnParcelState",
    "ServiceDestination",
    "ServiceRate",
    "Shipment",
    "ShipmentLine",
    "ShipmentState",
    "TrackingEvent",
    "TrackingSource",
]
