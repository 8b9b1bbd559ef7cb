"""Order models, one module per concept. Other helpers add their modules (idempotency, imports)
with their own import line here."""

from orders.models.allocation import Allocation, reservation_reference
from orders.models.case import CaseMessage, CaseState, SupportCase
from orders.models.channel import Channel, ChannelKind, ChannelPlatform
from orders.models.customer import Customer
from orders.models.idempotency import IdempotencyKey, IdempotencyState, WebhookDelivery, WebhookSource
from orders.models.imports import OrderImport, OrderImportStatus
from orders.models.legal import CONFIRMATION_ATTACHMENTS, LegalText, LegalTextKind
from orders.models.line import OrderLine
from orders.models.order import (
    CANCELLABLE_STATES,
    EDITABLE_STATES,
    HOLDABLE_STATES,
    OPEN_STATES,
    Order,
    OrderNumberCounter,
    OrderState,
    PaymentMethod,
    PaymentState,
    PriceMode,
    Tag,
)
from orders.models.payment import PaymentTransaction, TransactionKind
from orders.models.rating import RATING_COMMENT_MAX_LENGTH, OrderRating
from orders.models.shop import (
    ShopConnection,
    ShopKind,
    ShopOrderFailure,
    ShopStockMark,
    ShopSyncKind,
    ShopSyncOutcome,
    ShopSyncRun,
)
from orders.models.timeline import EventKind, Note, OrderEvent

__all__ = [
    "CANCELLABLE_STATES",
    "CONFIRMATION_ATTACHMENTS",
    "EDITABLE_STATES",
    "HOLDABLE_STATES",
    "OPEN_STATES",
    "RATING_COMMENT_MAX_LENGTH",
    "Allocation",
    "CaseMessage",
    "CaseState",
    "Channel",
    "ChannelKind",
    "ChannelPlatform",
    "Customer",
    "EventKind",
    "IdempotencyKey",
    "IdempotencyState",
    "LegalText",
    "LegalTextKind",
    "Note",
    "Order",
    "OrderEvent",
    "OrderImport",
    "OrderImportStatus",
    "OrderLine",
    "OrderNumberCounter",
    "OrderRating",
    "OrderState",
    "PaymentMethod",
    "PaymentState",
    "PaymentTransaction",
    "PriceMode",
    "ShopConnection",
    "ShopKind",
    "ShopOrderFailure",
    "ShopStockMark",
    "ShopSyncKind",
    "ShopSyncOutcome",
    "ShopSyncRun",
    "SupportCase",
    "Tag",
    "TransactionKind",
    "WebhookDelivery",
    "WebhookSource",
    "reservation_reference",
]
