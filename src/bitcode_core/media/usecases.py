"""Avatars and question images: checked, stored, shown and replaced.

An upload is checked (size, type from its bytes, dimensions, a full decode)
before it reaches the store. A new avatar replaces the old one in this order:
store the new file, point the profile at it, then delete the old file. A
failure before the profile changes leaves the old avatar in place; a failure
to delete the old file only leaves an orphan behind, and is logged.

A file a client uploaded straight to the store (ImageKit's signature does not
bind a folder) becomes an avatar only when it is registered: the store itself
is asked about the file, which must sit right in the caller's avatar folder
and pass the caps an upload passes. The client's word counts for nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bitcode_core.accounts.model import Principal, User
from bitcode_core.accounts.ports import Secrets, UserRepository
from bitcode_core.catalog.usecases import Catalog
from bitcode_core.errors import (
    BitCodeError,
    MediaFileNotFound,
    NotAuthenticated,
    PermissionDenied,
)
from bitcode_core.media import rules
from bitcode_core.media.model import MediaKind, MediaRules, UploadAuth
from bitcode_core.media.ports import ImageCodec, MediaStorage
from bitcode_core.ports import Clock

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class QuestionAsset:
    question_id: str
    url: str
    media_type: str
    width: int
    height: int


class Media:
    def __init__(
        self,
        *,
        storage: MediaStorage,
        codec: ImageCodec,
        users: UserRepository,
        catalog: Catalog,
        secrets: Secrets,
        clock: Clock,
        rules: MediaRules = MediaRules(),
    ) -> None:
        self._storage = storage
        self._codec = codec
        self._users = users
        self._catalog = catalog
        self._secrets = secrets
        self._clock = clock
        self.rules = rules

    async def set_avatar(self, principal: Principal, data: bytes) -> User:
        image_format = rules.check_upload(data, self.rules)
        image = await self._codec.prepare(data, image_format, self.rules, reencode=True)
        user = await self._user(principal)

        stored = await self._storage.store(
            rules.folder(MediaKind.AVATAR, user.id),
            rules.file_name(self._secrets.new_id(), image.format),
            image,
        )
        updated = user.with_changes(
            avatar_url=stored.url, avatar_file_id=stored.file_id
        )
        try:
            await self._users.update(updated)
        except Exception:
            await self._discard(stored.file_id, user.id)
            raise

        if user.avatar_file_id is not None:
            await self._discard(user.avatar_file_id, user.id)
        logger.info(
            "media.avatar_set", extra={"user_id": user.id, "bytes": len(image.data)}
        )
        return updated

    async def register_uploaded_avatar(
        self, principal: Principal, file_id: str
    ) -> User:
        """Make a file the caller uploaded straight to the store their avatar."""
        rules.check_file_id(file_id)
        user = await self._user(principal)
        if user.avatar_file_id == file_id:
            return user
        file = await self._storage.uploaded(file_id)
        if file is None:
            raise MediaFileNotFound()
        rules.check_uploaded(file, rules.folder(MediaKind.AVATAR, user.id), self.rules)

        updated = user.with_changes(avatar_url=file.url, avatar_file_id=file.file_id)
        await self._users.update(updated)

        if user.avatar_file_id is not None:
            await self._discard(user.avatar_file_id, user.id)
        logger.info(
            "media.avatar_registered",
            extra={"user_id": user.id, "file_id": file.file_id, "bytes": file.size},
        )
        return updated

    async def remove_avatar(self, principal: Principal) -> User:
        user = await self._user(principal)
        updated = user.with_changes(avatar_url=None, avatar_file_id=None)
        await self._users.update(updated)
        if user.avatar_file_id is not None:
            await self._discard(user.avatar_file_id, user.id)
        return updated

    async def forget(self, user: User) -> None:
        """Delete what a deleted account left in the store."""
        if user.avatar_file_id is not None:
            await self._discard(user.avatar_file_id, user.id)

    async def add_question_asset(
        self, principal: Principal, question_id: str, data: bytes
    ) -> QuestionAsset:
        view = await self._catalog.detail(question_id, principal)
        # Those who see the hidden tests are those who may edit the question.
        if not view.shows_hidden_tests:
            raise PermissionDenied(
                "only the question's setter or an admin may add images to it"
            )
        image_format = rules.check_upload(data, self.rules)
        image = await self._codec.prepare(
            data, image_format, self.rules, reencode=False
        )

        stored = await self._storage.store(
            rules.folder(MediaKind.QUESTION_ASSET, question_id),
            rules.file_name(self._secrets.new_id(), image.format),
            image,
        )
        logger.info(
            "media.question_asset_added",
            extra={"question_id": question_id, "user_id": principal.user_id},
        )
        return QuestionAsset(
            question_id, stored.url, image.format.media_type, image.width, image.height
        )

    async def upload_auth(self, principal: Principal) -> UploadAuth:
        """A one-time signature for uploading an avatar straight to the store,
        into the caller's own folder."""
        user = await self._user(principal)
        expire = rules.upload_expiry(self._clock.now(), self.rules.upload_auth_ttl_s)
        return await self._storage.upload_auth(
            rules.folder(MediaKind.AVATAR, user.id), self._secrets.token(), expire
        )

    async def avatar_urls(self, user: User) -> dict[int, str]:
        """The user's avatar at each size profiles show; empty without one."""
        if user.avatar_url is None:
            return {}
        return {
            size: await self._storage.sized_url(user.avatar_url, size)
            for size in self.rules.avatar_sizes
        }

    async def _user(self, principal: Principal) -> User:
        user = await self._users.get(principal.user_id)
        if user is None:
            raise NotAuthenticated()
        return user

    async def _discard(self, file_id: str, user_id: str) -> None:
        try:
            await self._storage.delete(file_id)
        except BitCodeError as error:
            logger.warning(
                "media.orphaned",
                extra={"user_id": user_id, "file_id": file_id, "code": error.code},
            )


__all__ = ["Media", "QuestionAsset"]
