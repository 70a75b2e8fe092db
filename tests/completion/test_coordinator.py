import asyncio

import pytest

from server.completion.coordinator import CompletionCoordinator, debounce


async def test_newer_request_cancels_the_older_one() -> None:
    coordinator = CompletionCoordinator()
    started = asyncio.Event()

    async def work(version: int) -> str:
        async with coordinator.claim("doc", version):
            started.set()
            await asyncio.sleep(10)
        return "done"

    first = asyncio.create_task(work(1))
    await started.wait()
    async with coordinator.claim("doc", 1) as ticket:
        assert coordinator.inflight("doc") is ticket
    with pytest.raises(asyncio.CancelledError):
        await first
    assert coordinator.inflight("doc") is None


async def test_document_change_past_the_version_cancels() -> None:
    coordinator = CompletionCoordinator()
    started = asyncio.Event()

    async def work() -> None:
        async with coordinator.claim("doc", 3):
            started.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(work())
    await started.wait()
    coordinator.document_changed("doc", 3)  # same version: still current
    await asyncio.sleep(0)
    assert not task.done()
    coordinator.document_changed("doc", 4)
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_other_documents_are_left_alone() -> None:
    coordinator = CompletionCoordinator()
    started = asyncio.Event()

    async def work() -> str:
        async with coordinator.claim("a", 1):
            started.set()
            await asyncio.sleep(0.05)
        return "finished"

    task = asyncio.create_task(work())
    await started.wait()
    async with coordinator.claim("b", 1):
        coordinator.document_changed("b", 2)
    assert await task == "finished"


async def test_debounce_waits_and_zero_does_not() -> None:
    assert await debounce(0) == 0.0
    assert await debounce(0.01) >= 0.009
