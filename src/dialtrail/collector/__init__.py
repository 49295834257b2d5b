"""The public hot path: page views, activity pings and entity errors from the insertion script."""
