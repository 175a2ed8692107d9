"""Scrapy spiders. There is one: `news`, driven by the site profiles."""
