"""Open-Meteo (no key): geocoding a city, and the current weather code at a place."""

from __future__ import annotations

import logging

import aiohttp

from bot.core.suggestions import Place

log = logging.getLogger(__name__)

FORECAST_URL = "https://api.open-meteo.com/v1/forecast"
GEOCODING_URL = "https://geocoding-api.open-meteo.com/v1/search"


class OpenMeteo:
    def __init__(self, forecast_url: str = FORECAST_URL, geocoding_url: str = GEOCODING_URL,
                 timeout_s: float = 3.0) -> None:
        self.forecast_url = forecast_url
        self.geocoding_url = geocoding_url
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)

    async def _get(self, url: str, params: dict[str, str]) -> dict:
        async with aiohttp.ClientSession(timeout=self.timeout) as session, \
                session.get(url, params=params) as response:
            response.raise_for_status()
            return await response.json()

    async def locate(self, city: str) -> Place | None:
        data = await self._get(self.geocoding_url, {"name": city[:100], "count": "1", "format": "json"})
        results = data.get("results") or []
        if not results:
            return None
        hit = results[0]
        return Place(str(hit.get("name", city)), float(hit["latitude"]), float(hit["longitude"]),
                     str(hit.get("timezone") or "UTC"))

    async def current_code(self, place: Place) -> int | None:
        data = await self._get(self.forecast_url, {"latitude": str(place.latitude), "longitude": str(place.longitude),
                                                   "current": "weather_code"})
        code = (data.get("current") or {}).get("weather_code")
        return int(code) if code is not None else None
