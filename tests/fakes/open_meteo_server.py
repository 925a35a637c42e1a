"""A local Open-Meteo stand-in: geocoding search and current weather, or errors on demand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web

from tests.fakes.local_server import serve_locally

CITIES = {
    "seoul": {"name": "Seoul", "latitude": 37.566, "longitude": 126.978, "timezone": "Asia/Seoul"},
    "sydney": {"name": "Sydney", "latitude": -33.868, "longitude": 151.207, "timezone": "Australia/Sydney"},
}


class FakeOpenMeteo:
    def __init__(self) -> None:
        self.weather_code = 61  # moderate rain
        self.failing = False
        self.forecast_url = ""
        self.geocoding_url = ""

    async def _search(self, request: web.Request) -> web.Response:
        hit = CITIES.get(request.query.get("name", "").lower())
        return web.json_response({"results": [hit]} if hit else {"generationtime_ms": 0.1})

    async def _forecast(self, request: web.Request) -> web.Response:
        if self.failing:
            return web.json_response({"error": True, "reason": "scripted outage"}, status=503)
        body: dict[str, Any] = {"latitude": float(request.query["latitude"]),
                                "current": {"time": "2026-01-15T08:00", "weather_code": self.weather_code}}
        return web.json_response(body)

    @asynccontextmanager
    async def running(self) -> AsyncIterator["FakeOpenMeteo"]:
        app = web.Application()
        app.router.add_get("/v1/search", self._search)
        app.router.add_get("/v1/forecast", self._forecast)
        async with serve_locally(app) as port:
            self.forecast_url = f"http://127.0.0.1:{port}/v1/forecast"
            self.geocoding_url = f"http://127.0.0.1:{port}/v1/search"
            yield self
