"""Tables. `image`, `image_box` and `text_correction` keep the original system's names and columns.

Messages arrive in any order, so any of the three consumers may create the `image` row; each one
fills only its own columns (see repository.py). The row's `path` stays NULL until the file is stored.

The search index (search_index.py, search.py, docs/search.md) goes with the rows it describes: the
image's `search_text` and `search_vector` are its text as corrected, `search_line` holds its lines as
corrected (deleted when the image is), and `search_word` is the vocabulary near spellings come from.
"""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


SEARCH_CONFIG = "english"   # the text-search configuration: English stemming and stop words (docs/search.md)


class Image(Base):
    __tablename__ = "image"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, comment="request_id of the upload")
    path: Mapped[str | None] = mapped_column(String(256), comment="file path relative to IMAGE_ROOT; NULL until received")
    creation_timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True), comment="created_at of the messages")
    # imageQueue
    content_type: Mapped[str | None] = mapped_column(String(64))
    file_size: Mapped[int | None] = mapped_column(BigInteger)
    file_received: Mapped[bool] = mapped_column(Boolean, server_default=false())
    file_received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # imageDataQueue
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    detection_model: Mapped[str | None] = mapped_column(String(128))
    recognition_model: Mapped[str | None] = mapped_column(String(128))
    data_received: Mapped[bool] = mapped_column(Boolean, server_default=false())
    data_received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    owner: Mapped[str | None] = mapped_column(String(255))
    pages: Mapped[list | None] = mapped_column(JSONB(none_as_null=True),
                                               comment="a document's pages [{page,width,height,dpi}]; NULL: one image")
    # search (set by search_index.refresh; deferred, so that ordinary reads do not load them): the whole
    # text as a person sees it, and its tsvector (its lines' tsvectors, or a whole-text correction's),
    # kept inline by STORAGE MAIN (migration 0002)
    search_text: Mapped[str | None] = mapped_column(Text, deferred=True)
    search_vector: Mapped[str | None] = mapped_column(TSVECTOR, deferred=True)

    __table_args__ = (
        Index("ix_image_creation_timestamp", "creation_timestamp"),
        Index("ix_image_owner_creation_timestamp", "owner", "creation_timestamp"),
        Index("ix_image_search_vector", "search_vector", postgresql_using="gin"),
    )


class ImageBox(Base):
    """One text line of an image (or of a page of a document), with its words."""
    __tablename__ = "image_box"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    start_x: Mapped[int] = mapped_column(Integer)
    start_y: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    image_id: Mapped[str] = mapped_column(String(36), ForeignKey("image.id"))
    line_index: Mapped[int] = mapped_column(Integer)
    points: Mapped[list | None] = mapped_column(JSONB)
    confidence: Mapped[float | None] = mapped_column(Float)
    page: Mapped[int] = mapped_column(Integer, server_default="1", comment="1-based page of a document")
    words: Mapped[list | None] = mapped_column(JSONB(none_as_null=True),
                                               comment="the line's words [{points,text,confidence}]; NULL: not stored")

    __table_args__ = (UniqueConstraint("image_id", "line_index"),)


class TextCorrection(Base):
    """A correction of the whole text (line_index NULL) or of one line; one message may give both."""
    __tablename__ = "text_correction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    value: Mapped[str] = mapped_column(Text)
    image_id: Mapped[str] = mapped_column(String(36), ForeignKey("image.id"))
    correction_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    line_index: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    points: Mapped[list | None] = mapped_column(JSONB(none_as_null=True),
                                                comment="the corrected box [[x,y]x4]; NULL keeps the detected one")
    deleted: Mapped[bool] = mapped_column(Boolean, server_default=false(), comment="the line's box holds no text")
    author: Mapped[str | None] = mapped_column(String(255), comment="who corrected (JWT subject or API key owner)")

    __table_args__ = (
        # one row per (correction, line); COALESCE makes the whole-text row (NULL line) unique too
        Index("uq_text_correction_correction_line", "correction_id", text("COALESCE(line_index, -1)"), unique=True),
        Index("ix_text_correction_image_id", "image_id"),
    )


class SearchLine(Base):
    """A line as a person sees it after the corrections: read, corrected, moved or added (deleted ones are left out)."""
    __tablename__ = "search_line"

    image_id: Mapped[str] = mapped_column(String(36), ForeignKey("image.id", ondelete="CASCADE"), primary_key=True)
    line_index: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text, comment="the line's text as corrected")
    points: Mapped[list | None] = mapped_column(JSONB, comment="its box [[x,y]x4] as corrected; NULL: none")
    corrected: Mapped[bool] = mapped_column(Boolean, comment="a person changed its text (weight A)")
    # Weight A where a person wrote the text, B where the OCR read it: near spellings of query
    # words only match B (search.py).
    search_vector: Mapped[str | None] = mapped_column(TSVECTOR, Computed(
        f"setweight(to_tsvector('{SEARCH_CONFIG}'::regconfig, text), "
        "CASE WHEN corrected THEN 'A'::\"char\" ELSE 'B'::\"char\" END)", persisted=True))


class SearchWord(Base):
    """Every word of the stored texts, once: where a misread query word finds its near spellings."""
    __tablename__ = "search_word"

    word: Mapped[str] = mapped_column(Text, primary_key=True, comment="lower case, as the 'simple' configuration splits it")
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                comment="creation_timestamp of the newest image holding it (retention)")

    __table_args__ = (
        Index("ix_search_word_word_trgm", "word", postgresql_using="gin", postgresql_ops={"word": "gin_trgm_ops"}),
        Index("ix_search_word_last_seen", "last_seen"),
    )


CORRECTION_CONFLICT = (TextCorrection.correction_id, func.coalesce(TextCorrection.line_index, -1))
