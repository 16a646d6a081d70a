"""Downloads the pages of a report in parallel, then assembles it."""
import asyncio

pages = {}


async def download(page):
    await asyncio.sleep(0.01 * page)  # the network
    pages[page] = f"<page {page}>"


async def download_report(page_count):
    for page in range(1, page_count + 1):
        task = asyncio.create_task(download(page))  # expect: TL002
    await task  # waits for the last page only
    print("report pages:", sorted(pages))


asyncio.run(download_report(5))
