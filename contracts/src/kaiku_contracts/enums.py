"""Closed value sets shared by events and APIs (docs/contract.md)."""

from enum import StrEnum


class CardType(StrEnum):
    PERSONAL = "personal"
    COMMUNITY = "community"  # §5: organisation's card, no holder profile


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    NOT_DISCLOSED = "not_disclosed"


class LifeSituation(StrEnum):
    UNEMPLOYED = "unemployed"
    PENSIONER = "pensioner"
    STUDENT = "student"
    REHABILITEE = "rehabilitee"
    SINGLE_PARENT = "single_parent"
    LOW_INCOME_EMPLOYED = "low_income_employed"
    OTHER = "other"
    NOT_DISCLOSED = "not_disclosed"


class RevocationReason(StrEnum):
    LOST = "lost"
    MISUSE = "misuse"
    ISSUED_IN_ERROR = "issued_in_error"
    OTHER = "other"


class RedemptionKind(StrEnum):
    TICKET = "ticket"
    COURSE_PLACE = "course_place"


class Channel(StrEnum):
    BOX_OFFICE = "box_office"
    PHONE = "phone"
    AGENCY = "agency"
    PAPER_FORM = "paper_form"
    WEB_SHOP = "web_shop"  # §8: never allowed, refused with channel_not_allowed


class VenueCategory(StrEnum):
    CULTURE = "culture"
    SPORTS = "sports"


class RejectionReason(StrEnum):
    """Every error `reason` code of docs/contract.md "Errors and rejection reasons"."""

    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    AGENCY_NOT_AUTHORISED = "agency_not_authorised"
    CARD_UNKNOWN = "card_unknown"
    CARD_EXPIRED = "card_expired"
    CARD_NOT_YET_VALID = "card_not_yet_valid"  # a use for a performance before the card's issue date
    CARD_REVOKED = "card_revoked"
    LIMIT_REACHED = "limit_reached"
    ALREADY_REDEEMED = "already_redeemed"
    CHILDREN_NOT_ALLOWED_FOR_COURSE = "children_not_allowed_for_course"
    COMMUNITY_CARD_NOT_ALLOWED_FOR_COURSE = "community_card_not_allowed_for_course"
    HOLDER_NOT_ATTENDING = "holder_not_attending"  # §2: child tickets only with the holder at the event
    TOO_MANY_CHILD_TICKETS = "too_many_child_tickets"  # seed 000: the number written on the card
    GROUP_UNKNOWN = "group_unknown"  # §5: a member's group_id names the community-card use
    CHANNEL_NOT_ALLOWED = "channel_not_allowed"
    BOOKING_NOT_OPEN_YET = "booking_not_open_yet"
    REDEMPTION_NOT_OPEN_YET = "redemption_not_open_yet"
    PERFORMANCE_UNKNOWN = "performance_unknown"
    VENUE_UNKNOWN = "venue_unknown"
    CARD_EXISTS = "card_exists"
    REGION_EXISTS = "region_exists"
    DISTRIBUTOR_EXISTS = "distributor_exists"
    VENUE_EXISTS = "venue_exists"
    REDEMPTION_ID_REUSED = "redemption_id_reused"
    INVALID_REQUEST = "invalid_request"
    LIMIT_BELOW_MINIMUM = "limit_below_minimum"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    NOT_FOUND = "not_found"
