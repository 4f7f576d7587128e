def test_health(client):
    response = client.get("/_health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
