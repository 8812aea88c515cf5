"""Microsoft Graph adapters (msgraph-sdk, app-only through azure-identity) behind the programme ports."""
