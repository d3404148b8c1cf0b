"""Market analysis and resilience: patient flows, market shares and concentration, the
alternatives within reach of each area, and the linear programme of where patients would go
if providers failed. No Django."""
