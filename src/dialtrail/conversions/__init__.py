"""Ads conversions (docs/integrations.md): calls that came from a paid click, served as the
offline conversion files Google Ads and Microsoft Advertising import on a schedule."""
