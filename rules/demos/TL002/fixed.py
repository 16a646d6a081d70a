"""Downloads the pages of a report in parallel, then assembles it."""
import asyncio

pages = {}


async def download(page):
    await asyncio.sleep(0.01 * page)  # the network
    pages[page] = f"<page {page}>"


async def download_report(page_count):
    tasks = []
    for page in range(1, page_count + 1):
        tasks.append(asyncio.create_task(download(page)))
    await asyncio.gather(*tasks)  # waits for every page
    print("report pages:", sorted(pages))


asyncio.run(download_report(5))
