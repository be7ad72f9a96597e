"""Identity and settings: users, integration clients and the district's comuni (design section 5).

One store read by every service; ``IdentityStore`` is its only door.
"""
