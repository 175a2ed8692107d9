<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>ONE</title>
<item><title>הפועל ירושלים ניצחה בדרבי הבירה</title><link>https://www.one.co.il/Article/489201.html</link><pubDate>Thu, 20 Nov 2025 09:00:00 +0200</pubDate></item>
<item><title>נבחרת ישראל זימנה שלושה שחקנים חדשים</title><link>https://www.one.co.il/Article/489202.html</link><pubDate>Thu, 20 Nov 2025 10:00:00 +0200</pubDate></item>
</channel></rss>
