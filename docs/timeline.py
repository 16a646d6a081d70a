import asyncio


async def send_email(user):
    await asyncio.sleep(0.2)
    print("sent", user)


async def refresh_cache(ready):
    await ready.wait()
    print("cache refreshed")


async def heartbeat():
    while True:
        await asyncio.sleep(0.1)


async def main():
    ready = asyncio.Event()
    emails = [asyncio.create_task(send_email(user)) for user in ("ada", "bob")]
    for _ in range(2):
        job = asyncio.create_task(refresh_cache(ready))
    beat = asyncio.create_task(heartbeat())
    await asyncio.gather(*emails)
    beat.cancel()
    ready.set()
    await job
    print("main done")


asyncio.run(main())
